// The LoRA layer base: a frozen base weight plus any number of named adapters (A [rank, …], B [… , rank]), with
// loralib's merge-on-eval (mergeWeights) and PEFT's explicit merge/unmerge, activation and disabling.
import * as tf from '@tensorflow/tfjs-core';
import { Dropout } from './dropout.js';
import { Module } from './module.js';

/** How new adapter weights are initialised (PEFT's `init_lora_weights`). */
export type LoraInit = boolean | 'gaussian' | 'pissa' | `pissa_niter_${number}`;

/** Options for one adapter. */
export interface AdapterOptions {
  /** Rank of the update ΔW = B·A (a positive integer). */
  rank: number;
  /** Scale numerator: scaling = alpha / rank (default 1, as loralib). */
  alpha?: number;
  /** Dropout probability on the LoRA branch input (default 0). */
  dropout?: number;
  /** rsLoRA: scaling = alpha / √rank. */
  useRsLora?: boolean;
  /** Initialisation: true (loralib), false (both random), 'gaussian', 'pissa' or 'pissa_niter_K'. */
  init?: LoraInit;
  /** MergedLinear groups: which equal output slices get an adapter (Linear only). */
  enableLora?: boolean[];
  /** Seed of the first dropout mask of this adapter. */
  dropoutSeed?: number;
}

/** One adapter of a LoRA layer: its settings and its two trainable variables. */
export interface LoraAdapter {
  readonly name: string;
  readonly rank: number;
  readonly alpha: number;
  readonly scaling: number;
  readonly useRsLora: boolean;
  readonly dropout: number;
  readonly enableLora: readonly boolean[] | null;
  /** [rank, in] for Linear (rank·E for MergedLinear), [rank, num] for Embedding, [rank·k, in·k^(n−1)] for ConvNd. */
  readonly loraA: tf.Variable;
  /** [out, rank] for Linear ([d·E, rank] for MergedLinear), [dim, rank] for Embedding, [out/groups·k, rank·k] for ConvNd. */
  readonly loraB: tf.Variable;
  /** Dropout mask source for the LoRA input. */
  readonly dropoutSource: Dropout;
}

/** The adapter name loralib-style constructors use (its keys are plain `lora_A` / `lora_B`). */
export const DEFAULT_ADAPTER = 'default';

/** The parameter name of an adapter's A or B inside its layer: `lora_A` for the default adapter, `lora_A.<name>` otherwise. */
export function adapterParameterName(which: 'lora_A' | 'lora_B', adapter: string): string {
  return adapter === DEFAULT_ADAPTER ? which : `${which}.${adapter}`;
}

/** scaling = alpha / rank, or alpha / √rank with rsLoRA. */
export function loraScaling(rank: number, alpha: number, useRsLora = false): number {
  return useRsLora ? alpha / Math.sqrt(rank) : alpha / rank;
}

/** Shapes and initial values of a new adapter's A and B. */
export interface AdapterInit {
  loraA: tf.Tensor;
  loraB: tf.Tensor;
}

/** Base of every layer that can carry LoRA adapters (Linear, MergedLinear, Embedding, Conv1d/2d/3d). */
export abstract class LoraLayer extends Module {
  /** The base weight in PyTorch layout (frozen once an adapter is added). */
  abstract readonly weight: tf.Variable;
  /** The base bias, or null. */
  abstract readonly bias: tf.Variable | null;
  /** loralib's merge_weights: eval() merges the active adapters into the weight and train() unmerges them. */
  mergeWeights: boolean;
  /** When true, forward runs the base layer only (PEFT's disable_adapter_layers). */
  private disabled = false;
  private readonly adapterMap = new Map<string, LoraAdapter>();
  private active: string[] = [];
  private mergedList: string[] = [];

  constructor(mergeWeights: boolean) {
    super();
    this.mergeWeights = mergeWeights;
  }

  /** Initial A and B for a new adapter (shapes are layer-specific). */
  protected abstract initAdapter(name: string, options: AdapterOptions, scaling: number): AdapterInit;

  /** ΔW of the given A and B without scaling, in the stored weight's layout. */
  protected abstract deltaFrom(adapter: LoraAdapter): tf.Tensor;

  /** Every adapter by name. */
  get adapters(): ReadonlyMap<string, LoraAdapter> {
    return this.adapterMap;
  }

  /** Names of the adapters forward applies (unless disabled). */
  get activeAdapters(): readonly string[] {
    return this.active;
  }

  /** Names of the adapters currently merged into the weight, in merge order. */
  get mergedAdapters(): readonly string[] {
    return this.mergedList;
  }

  /** True when any adapter is merged into the weight (loralib's `merged`). */
  get merged(): boolean {
    return this.mergedList.length > 0;
  }

  /** True when adapters are disabled. */
  get adaptersDisabled(): boolean {
    return this.disabled;
  }

  /** The adapter `name` (default: 'default'), or an error naming the layer's adapters. */
  adapter(name: string = DEFAULT_ADAPTER): LoraAdapter {
    const a = this.adapterMap.get(name);
    if (a == null) {
      const have = [...this.adapterMap.keys()];
      throw new Error(`${this.typeName}: no adapter "${name}" (has ${have.length === 0 ? 'none' : have.join(', ')})`);
    }
    return a;
  }

  /** Rank of the default adapter, 0 when it has none (loralib's `r`). */
  get rank(): number {
    return this.adapterMap.get(DEFAULT_ADAPTER)?.rank ?? 0;
  }

  /** Scaling of the default adapter, 0 when it has none. */
  get scaling(): number {
    return this.adapterMap.get(DEFAULT_ADAPTER)?.scaling ?? 0;
  }

  /** Adds a named adapter (frozen base weight, new trainable A and B) and activates it if none is active. */
  addAdapter(name: string, options: AdapterOptions): LoraAdapter {
    if (name === '' || name.includes('.')) throw new Error(`${this.typeName}: adapter name "${name}" must be non-empty and contain no "."`);
    if (this.adapterMap.has(name)) throw new Error(`${this.typeName}: adapter "${name}" already exists`);
    const { rank, alpha = 1, dropout = 0, useRsLora = false } = options;
    if (!Number.isInteger(rank) || rank <= 0) throw new Error(`${this.typeName}: rank must be a positive integer, got ${rank}`);
    if (!Number.isFinite(alpha)) throw new Error(`${this.typeName}: alpha must be a finite number, got ${alpha}`);
    if (!(dropout >= 0 && dropout < 1)) throw new Error(`${this.typeName}: dropout must be in [0, 1), got ${dropout}`);
    const scaling = loraScaling(rank, alpha, useRsLora);
    const init = this.initAdapter(name, options, scaling);
    const adapter: LoraAdapter = {
      name,
      rank,
      alpha,
      scaling,
      useRsLora,
      dropout,
      enableLora: options.enableLora == null ? null : options.enableLora.slice(),
      loraA: this.registerParameter(adapterParameterName('lora_A', name), init.loraA),
      loraB: this.registerParameter(adapterParameterName('lora_B', name), init.loraB),
      dropoutSource: new Dropout(dropout, { seed: options.dropoutSeed }),
    };
    this.adapterMap.set(name, adapter);
    this.weight.trainable = false;
    if (this.active.length === 0) this.active = [name];
    return adapter;
  }

  /** Removes an adapter (unmerging it first if merged) and frees its variables. */
  deleteAdapter(name: string): void {
    const adapter = this.adapter(name);
    if (this.mergedList.includes(name)) this.unmergeOne(adapter);
    this.deleteParameter(adapterParameterName('lora_A', name));
    this.deleteParameter(adapterParameterName('lora_B', name));
    this.adapterMap.delete(name);
    this.active = this.active.filter((n) => n !== name);
  }

  /** Makes exactly `names` the active adapters (each must exist on this layer). */
  setActiveAdapters(names: readonly string[]): void {
    for (const n of names) this.adapter(n);
    this.active = names.slice();
  }

  /** Disables all adapters (unmerging merged ones first): forward runs the base layer only. */
  disableAdapters(): void {
    this.unmerge();
    this.disabled = true;
  }

  /** Re-enables adapters after `disableAdapters`. */
  enableAdapters(): void {
    this.disabled = false;
  }

  /** ΔW = scaling·B·A of adapter `name` in the stored weight's layout (the caller owns it). */
  deltaWeight(name: string = DEFAULT_ADAPTER): tf.Tensor {
    const adapter = this.adapter(name);
    return tf.tidy(() => tf.mul(this.deltaFrom(adapter), adapter.scaling));
  }

  private mergeOne(adapter: LoraAdapter): void {
    const next = tf.tidy(() => tf.add(this.weight, tf.mul(this.deltaFrom(adapter), adapter.scaling)));
    this.weight.assign(next);
    next.dispose();
    this.mergedList.push(adapter.name);
  }

  private unmergeOne(adapter: LoraAdapter): void {
    const next = tf.tidy(() => tf.sub(this.weight, tf.mul(this.deltaFrom(adapter), adapter.scaling)));
    this.weight.assign(next);
    next.dispose();
    this.mergedList = this.mergedList.filter((n) => n !== adapter.name);
  }

  /** Adds ΔW of the given adapters (default: the active ones) to the weight, skipping already merged ones. */
  merge(names: readonly string[] = this.active): void {
    for (const name of names) {
      const adapter = this.adapter(name);
      if (!this.mergedList.includes(name)) this.mergeOne(adapter);
    }
  }

  /** Subtracts every merged adapter's ΔW from the weight, in reverse merge order. */
  unmerge(): void {
    for (const name of this.mergedList.slice().reverse()) this.unmergeOne(this.adapter(name));
  }

  /** Adapters forward must add on top of the (possibly merged) weight: active, not merged, not disabled. */
  protected pendingAdapters(): LoraAdapter[] {
    if (this.disabled) return [];
    return this.active.filter((n) => !this.mergedList.includes(n)).map((n) => this.adapter(n));
  }

  /** The dropout mask for an adapter's input, or null (eval mode or p = 0). */
  protected adapterDropoutMask(adapter: LoraAdapter, shape: number[]): tf.Tensor | null {
    adapter.dropoutSource.training = this.training;
    return adapter.dropoutSource.mask(shape);
  }

  /** loralib's train(mode): with mergeWeights, train(true) unmerges and train(false) merges the active adapters. */
  override train(mode = true): this {
    super.train(mode);
    if (!this.mergeWeights || this.adapterMap.size === 0) return this;
    if (mode) this.unmerge();
    else if (!this.disabled) this.merge();
    return this;
  }

  /** Removes every adapter; with `mergeFirst`, folds the active ones into the weight first (PEFT's merge_and_unload). */
  unloadAdapters(mergeFirst: boolean): void {
    if (mergeFirst) {
      if (!this.disabled) this.merge();
      this.mergedList = [];
    } else this.unmerge();
    for (const name of [...this.adapterMap.keys()]) {
      this.deleteParameter(adapterParameterName('lora_A', name));
      this.deleteParameter(adapterParameterName('lora_B', name));
    }
    this.adapterMap.clear();
    this.active = [];
    this.disabled = false;
  }

  /** Loading writes unmerged values: unmerge first, merge the same adapters again afterwards (avoids loralib's double count). */
  protected override beginStateLoad(): () => void {
    const merged = this.mergedList.slice();
    this.unmerge();
    return () => this.merge(merged);
  }

  /** Replaces the base weight's value (used by PiSSA, which subtracts the initial ΔW). */
  protected setWeight(value: tf.Tensor): void {
    this.weight.assign(value);
  }

  protected override extraRepr(): string {
    const parts = [...this.adapterMap.values()].map((a) => `${a.name}: rank=${a.rank}, alpha=${a.alpha}`);
    return parts.length === 0 ? '' : `adapters={${parts.join('; ')}}`;
  }
}

/** tf.stopGradient, which tfjs lacks: identity forward, zero gradient. */
export function stopGradient(x: tf.Tensor): tf.Tensor {
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const t = args[0] as tf.Tensor;
    return { value: t.clone(), gradFunc: (dy: tf.Tensor | tf.Tensor[]) => tf.zerosLike(dy as tf.Tensor) };
  });
  return f(x);
}
