// Linear: torch.nn.Linear (weight [out, in]) that is also loralib's lora.Linear when given a rank, and the host
// of any adapters injected later. y = x·Wᵀ + b + Σ scaling·dropout(x)·Aᵀ·Bᵀ over the active, unmerged adapters.
import * as tf from '@tensorflow/tfjs-core';
import { type AdapterInit, type AdapterOptions, DEFAULT_ADAPTER, type LoraAdapter, LoraLayer } from './adapters.js';
import { initLinearAdapter } from './init-lora.js';
import { kaimingUniform, uniform } from './init.js';
import { linear } from './ops/linear.js';
import { expandGroups, loraLinear } from './ops/lora-linear.js';

export { linear };

/** Options for `Linear` (loralib's lora.Linear arguments; rank 0 is a plain nn.Linear). */
export interface LinearOptions {
  /** Whether the layer has a bias (default true). */
  bias?: boolean;
  /** LoRA rank; 0 (default) adds no adapter. */
  rank?: number;
  /** scaling = alpha / rank (default 1, as loralib). */
  alpha?: number;
  /** Dropout on the LoRA branch input. */
  dropout?: number;
  /** Store the weight as [in, out] (GPT-2 Conv1D checkpoints), as loralib's fan_in_fan_out. */
  fanInFanOut?: boolean;
  /** loralib's merge_weights: merge on eval(), unmerge on train() (default true). */
  mergeWeights?: boolean;
  /** rsLoRA scaling alpha / √rank. */
  useRsLora?: boolean;
  /** Adapter initialisation (default true: A Kaiming-uniform a=√5, B zero). */
  init?: AdapterOptions['init'];
  /** MergedLinear groups: the output splits into equal slices and only enabled ones get an adapter. */
  enableLora?: boolean[];
}

/** torch.nn.Linear with loralib's LoRA (state-dict keys `weight`, `bias`, `lora_A` [rank, in], `lora_B` [out, rank]). */
export class Linear extends LoraLayer {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly fanInFanOut: boolean;
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | null;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super(options.mergeWeights ?? true);
    if (!Number.isInteger(inFeatures) || inFeatures <= 0 || !Number.isInteger(outFeatures) || outFeatures <= 0) {
      throw new Error(`${new.target.name}: inFeatures and outFeatures must be positive integers, got ${inFeatures}, ${outFeatures}`);
    }
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.fanInFanOut = options.fanInFanOut ?? false;
    // nn.Linear.reset_parameters: W ~ kaiming_uniform(a=√5) = U(±1/√in), b ~ U(±1/√in)
    const w = kaimingUniform([outFeatures, inFeatures]); // [out, in]
    this.weight = this.registerParameter('weight', this.fanInFanOut ? transposeOwned(w) : w);
    this.bias = options.bias ?? true ? this.registerParameter('bias', uniform([outFeatures], 1 / Math.sqrt(inFeatures))) : null;
    const rank = options.rank ?? 0;
    if (rank < 0 || !Number.isInteger(rank)) throw new Error(`${new.target.name}: rank must be a non-negative integer, got ${rank}`);
    const enableLora = options.enableLora;
    if (rank > 0 && (enableLora == null || enableLora.some(Boolean))) {
      this.addAdapter(DEFAULT_ADAPTER, { rank, alpha: options.alpha, dropout: options.dropout, useRsLora: options.useRsLora, init: options.init, enableLora });
    }
  }

  /** The weight as [out, in] whatever the storage layout (a new tensor when fanInFanOut). */
  protected weightOutIn(): tf.Tensor {
    return this.fanInFanOut ? tf.transpose(this.weight) : this.weight;
  }

  protected initAdapter(_name: string, options: AdapterOptions, scaling: number): AdapterInit {
    if (options.enableLora != null) return initGroupedAdapter(this, options);
    const init = initLinearAdapter(this.typeName, [options.rank, this.inFeatures], [this.outFeatures, options.rank], options.init ?? true, {
      scaling,
      weightOutIn: () => this.weightOutIn(),
    });
    if (init.residualWeight != null) {
      const w = this.fanInFanOut ? transposeOwned(init.residualWeight) : init.residualWeight;
      this.setWeight(w);
      w.dispose();
    }
    return init;
  }

  /** B [out, rank·E] with each group's block of B in its rows and columns (B itself for a plain adapter). */
  protected expandedB(adapter: LoraAdapter): tf.Tensor {
    const enable = adapter.enableLora;
    return enable == null ? adapter.loraB : expandGroups(adapter.loraB, enable, adapter.rank);
  }

  protected deltaFrom(adapter: LoraAdapter): tf.Tensor {
    return tf.tidy(() => {
      const delta = tf.matMul(this.expandedB(adapter), adapter.loraA); // [out, in]
      return this.fanInFanOut ? tf.transpose(delta) : delta;
    });
  }

  /** x [..., in] → [..., out], plus `residual` [..., out] when given (a skip connection, fused into the kernel). */
  forward(x: tf.Tensor, residual: tf.Tensor | null = null): tf.Tensor {
    if (x.shape[x.rank - 1] !== this.inFeatures) {
      throw new Error(`${this.typeName}: input last dim ${x.shape[x.rank - 1]} does not match inFeatures ${this.inFeatures}`);
    }
    return tf.tidy(() => {
      const pending = this.pendingAdapters();
      if (pending.length === 0) return linear(x, this.weight, this.bias, !this.fanInFanOut, residual);
      const [first, ...rest] = pending;
      // the stored weight in either layout and B as stored: the op handles fan_in_fan_out and MergedLinear groups
      let y = loraLinear(x, this.weight, this.bias, first.loraA, first.loraB, {
        scaling: first.scaling,
        dropoutMask: this.adapterDropoutMask(first, x.shape),
        fanInFanOut: this.fanInFanOut,
        enableLora: first.enableLora,
      });
      for (const adapter of rest) {
        const mask = this.adapterDropoutMask(adapter, x.shape);
        const xin = mask == null ? x : tf.mul(x, mask);
        const h = linear(xin, adapter.loraA, null); // [..., rank]
        y = tf.add(y, tf.mul(linear(h, this.expandedB(adapter), null), adapter.scaling));
      }
      return residual == null ? y : tf.add(y, residual);
    });
  }

  protected override extraRepr(): string {
    const base = `in=${this.inFeatures}, out=${this.outFeatures}, bias=${this.bias != null}${this.fanInFanOut ? ', fanInFanOut' : ''}`;
    const lora = super.extraRepr();
    return lora === '' ? base : `${base}, ${lora}`;
  }
}

/** Transposes a 2-D tensor and disposes the input. */
function transposeOwned(w: tf.Tensor): tf.Tensor {
  const t = tf.transpose(w);
  w.dispose();
  return t;
}

/** A/B of a MergedLinear adapter: A [rank·E, in], B [d·E, rank] with d = out / groups, E = enabled groups. */
function initGroupedAdapter(layer: Linear, options: AdapterOptions): AdapterInit {
  const enable = options.enableLora as boolean[];
  const G = enable.length;
  const E = enable.filter(Boolean).length;
  if (G === 0 || layer.outFeatures % G !== 0) {
    throw new Error(`${layer.typeName}: outFeatures ${layer.outFeatures} must divide into ${G} enableLora groups`);
  }
  if (E === 0) throw new Error(`${layer.typeName}: enableLora has no enabled group`);
  const d = layer.outFeatures / G;
  const init = options.init ?? true;
  if (typeof init === 'string' && init.startsWith('pissa')) throw new Error(`${layer.typeName}: init "${init}" is not supported with enableLora groups`);
  return initLinearAdapter(layer.typeName, [options.rank * E, layer.inFeatures], [d * E, options.rank], init, { scaling: 1, rank: options.rank });
}
