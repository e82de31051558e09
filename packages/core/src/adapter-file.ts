// A LoRA adapter as a file holds it (host tensors under model keys: `<path>.lora_A` [rank, in], `<path>.lora_B`
// [out, rank], and fully trained modules such as a classification head), put into a module tree and taken out of it.
// @lorats/checkpoints' `readLoraAdapter` reads PEFT folders and loralib files into this form.
import { DEFAULT_ADAPTER } from './adapters.js';
import { toHostTensor } from './host.js';
import { Linear } from './linear.js';
import type { HostTensor, Module } from './module.js';

/** An adapter's host tensors keyed by the model's module paths. */
export interface LoraAdapterTensors {
  /** The file the tensors came from, for error messages. */
  file: string;
  rank: number;
  /** From adapter_config.json; loralib files do not store it. */
  alpha: number | undefined;
  useRsLora: boolean;
  /** `<module path>.lora_A` [rank, in] and `.lora_B` [out, rank]. */
  lora: ReadonlyMap<string, HostTensor>;
  /** Fully trained modules saved with the adapter (the head), by model key. */
  modules: ReadonlyMap<string, HostTensor>;
}

/** Options for `applyLoraAdapter`. */
export interface ApplyAdapterOptions {
  /** scaling = alpha / rank; required for loralib files, which do not store alpha. */
  alpha?: number;
  /** loralib's merge_weights: merge into W on eval() (examples/NLU: RoBERTa true, DeBERTa false). */
  mergeWeights?: boolean;
  /** Keys of saved modules to drop when one of them does not fit the model (a head for another label count). */
  headGroup?: (key: string) => string[] | undefined;
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * Adds the adapter's A/B to the Linear layers it names (creating adapters as needed) and loads the saved modules.
 * Returns the module keys that were dropped because their shapes did not fit (e.g. an MNLI head on RTE).
 */
export function applyLoraAdapter(model: Module, adapter: LoraAdapterTensors, options: ApplyAdapterOptions = {}): { droppedKeys: string[] } {
  const alpha = options.alpha ?? adapter.alpha;
  if (alpha === undefined) throw new Error(`${adapter.file}: a loralib adapter does not store alpha; pass --alpha`);
  const own = model.stateDict();
  const layers = new Set([...adapter.lora.keys()].map((k) => k.replace(/\.lora_[AB]$/, '')));
  for (const path of layers) {
    let layer: Module;
    try {
      layer = model.getSubmodule(path);
    } catch {
      throw new Error(`${adapter.file}: the model has no layer "${path}"`);
    }
    if (!(layer instanceof Linear)) throw new Error(`${adapter.file}: "${path}" is not a Linear layer`);
    if (!layer.adapters.has(DEFAULT_ADAPTER)) {
      layer.addAdapter(DEFAULT_ADAPTER, { rank: adapter.rank, alpha, useRsLora: adapter.useRsLora });
    }
    if (options.mergeWeights !== undefined) layer.mergeWeights = options.mergeWeights;
  }
  const dict = new Map<string, HostTensor>(adapter.lora);
  const dropped = new Set<string>();
  for (const [k, v] of adapter.modules) {
    const want = own.get(k)?.shape;
    if (want === undefined) throw new Error(`${adapter.file}: the model has no parameter "${k}"`);
    if (!sameShape(want, v.shape)) {
      const group = options.headGroup?.(k);
      if (!group) throw new Error(`${adapter.file}: "${k}" has shape [${v.shape}], the model [${want}]`);
      for (const g of group) dropped.add(g);
    }
  }
  for (const [k, v] of adapter.modules) if (!dropped.has(k)) dict.set(k, v);
  const wasTraining = model.training;
  model.train(true); // unmerged while the adapter weights change
  model.loadStateDict(dict, { strict: false });
  model.train(wasTraining);
  return { droppedKeys: [...dropped].filter((k) => adapter.modules.has(k)) };
}

/** The adapter (`…lora_A`, `…lora_B`) and the modules `moduleKeys` selects (a head) as a loralib/PEFT state dict of host tensors. */
export async function adapterStateDict(model: Module, moduleKeys: (key: string) => boolean): Promise<Map<string, HostTensor>> {
  const out = new Map<string, HostTensor>();
  for (const [key, t] of model.stateDict()) {
    if (!/\.lora_[AB]$/.test(key) && !moduleKeys(key)) continue;
    out.set(key, await toHostTensor(t));
  }
  return out;
}
