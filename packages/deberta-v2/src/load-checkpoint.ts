// Checkpoint boundary for DeBERTa-v2: HF model folders (config.json + safetensors or pytorch_model.bin, sharded or
// not) and LoRA adapters (PEFT folders and loralib torch.save files). HF key spellings live only here.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadCheckpoint, toFloat32, type HostTensor } from '@lorats/checkpoints';
import { DEFAULT_ADAPTER, Linear, type HostTensor as CoreHostTensor, type Module } from '@lorats/core';
import { debertaV2ConfigFromHf, type DebertaV2Config } from './config.js';
import { DebertaV2ForSequenceClassification, initWeights } from './model.js';

/** Reads and parses a JSON file, naming it in errors. */
export function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`${file}: cannot read (${(e as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
}

/** Checkpoint host tensors as `Module.loadStateDict` takes them (float data was decoded to Float32Array). */
export function coreStateDict(tensors: ReadonlyMap<string, HostTensor>): Map<string, CoreHostTensor> {
  const out = new Map<string, CoreHostTensor>();
  for (const [k, t] of tensors) {
    const f = toFloat32(t);
    out.set(k, { dtype: f.dtype, shape: f.shape, data: f.data as CoreHostTensor['data'] });
  }
  return out;
}

/** The weights of an HF model folder: model.safetensors, pytorch_model.bin, or their sharded index. */
export async function readHfWeights(folder: string): Promise<{ file: string; tensors: Map<string, HostTensor> }> {
  for (const name of ['model.safetensors', 'pytorch_model.bin']) {
    const file = join(folder, name);
    if (existsSync(file)) return { file, tensors: (await loadCheckpoint(file)).tensors };
    const index = `${file}.index.json`;
    if (existsSync(index)) {
      const map = (readJson(index) as { weight_map?: Record<string, string> }).weight_map;
      if (!map) throw new Error(`${index}: no weight_map`);
      const tensors = new Map<string, HostTensor>();
      for (const shard of [...new Set(Object.values(map))]) {
        for (const [k, v] of (await loadCheckpoint(join(folder, shard))).tensors) tensors.set(k, v);
      }
      return { file: index, tensors };
    }
  }
  throw new Error(`${folder}: no model.safetensors or pytorch_model.bin (nor a sharded index)`);
}

/** The number of labels config.json declares (id2label), if any. */
export function labelsInConfig(json: unknown): number | undefined {
  const id2label = (json as { id2label?: Record<string, string> }).id2label;
  return id2label ? Object.keys(id2label).length : undefined;
}

const IGNORED = [/^lm_predictions\./, /^cls\./, /^mask_predictions\./, /\.position_ids$/];

/** Renames HF DeBERTa-v2 keys to this package's module paths (`deberta.…`, `pooler.…`, `classifier.…`); undefined = unused. */
export function debertaKey(key: string): string | undefined {
  if (IGNORED.some((re) => re.test(key))) return undefined;
  if (key.startsWith('pooler.') || key.startsWith('classifier.')) return key;
  return key.startsWith('deberta.') ? key : `deberta.${key}`;
}

/** What `loadDebertaV2` did: which file it read, and which head parts were missing (so freshly initialised). */
export interface LoadReport {
  file: string;
  /** The checkpoint had no (usable) classifier; it starts from N(0, initializer_range). */
  newHead: boolean;
  /** The checkpoint had no pooler (a pre-trained, not fine-tuned, model). */
  newPooler: boolean;
}

/** Options for `loadDebertaV2`. */
export interface LoadDebertaOptions {
  /** Label count (default: config.json's id2label, else 2); a checkpoint classifier of another size is dropped. */
  numLabels?: number;
  /** Dropout before the classifier (examples/NLU's `--cls_dropout`); default config.json's cls_dropout. */
  clsDropout?: number;
}

/** Loads `DebertaV2ForSequenceClassification` from an HF folder (deberta-v2-xxlarge, a fine-tuned model). */
export async function loadDebertaV2(
  folder: string,
  options: LoadDebertaOptions = {},
): Promise<{ model: DebertaV2ForSequenceClassification; config: DebertaV2Config; report: LoadReport }> {
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new Error(`${folder}: not a model folder`);
  const configFile = join(folder, 'config.json');
  const json = readJson(configFile);
  const parsed = debertaV2ConfigFromHf(json, configFile);
  const config = options.clsDropout === undefined ? parsed : { ...parsed, clsDropout: options.clsDropout };
  const numLabels = options.numLabels ?? labelsInConfig(json) ?? 2;
  const { file, tensors } = await readHfWeights(folder);
  const model = new DebertaV2ForSequenceClassification(config, numLabels);
  initWeights(model, config.initializerRange);
  const own = model.stateDict();
  const dict = new Map<string, HostTensor>();
  for (const [key, value] of tensors) {
    const k = debertaKey(key);
    // HF ignores absolute position embeddings a relative-only model does not use.
    if (k === undefined || (k.endsWith('embeddings.position_embeddings.weight') && !config.positionBiasedInput)) continue;
    dict.set(k, toFloat32(value));
  }
  const classifierFits = ['classifier.weight', 'classifier.bias'].every((k) => !dict.has(k) || sameShape(own.get(k)?.shape ?? [], dict.get(k)?.shape ?? []));
  if (!classifierFits) for (const k of ['classifier.weight', 'classifier.bias']) dict.delete(k);
  const unexpected = [...dict.keys()].filter((k) => !own.has(k));
  if (unexpected.length > 0) throw new Error(`${file}: keys this DeBERTa-v2 does not have: ${unexpected.slice(0, 8).join(', ')}`);
  for (const [k, v] of dict) {
    const want = own.get(k)?.shape ?? [];
    if (!sameShape(want, v.shape)) throw new Error(`${file}: "${k}" has shape [${v.shape}], config.json implies [${want}]`);
  }
  const { missingKeys } = model.loadStateDict(coreStateDict(dict), { strict: false });
  const missingBody = missingKeys.filter((k) => !k.startsWith('classifier.') && !k.startsWith('pooler.'));
  if (missingBody.length > 0) throw new Error(`${file}: missing weights: ${missingBody.slice(0, 8).join(', ')}`);
  return {
    model,
    config,
    report: { file, newHead: missingKeys.some((k) => k.startsWith('classifier.')), newPooler: missingKeys.some((k) => k.startsWith('pooler.')) },
  };
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/** A LoRA adapter read from disk, keyed by this package's module paths. */
export interface LoraAdapterFile {
  format: 'peft' | 'loralib';
  file: string;
  rank: number;
  /** From adapter_config.json; loralib files do not store it. */
  alpha: number | undefined;
  useRsLora: boolean;
  /** `<module path>.lora_A` [rank, in] and `.lora_B` [out, rank]. */
  lora: Map<string, HostTensor>;
  /** Fully trained modules saved with the adapter (the head), by model key. */
  modules: Map<string, HostTensor>;
}

/**
 * Reads a PEFT adapter folder (adapter_config.json + adapter_model.safetensors|bin) or a loralib file (torch.save of
 * `…lora_A`/`…lora_B` and the head, as examples/NLU writes them).
 */
export async function readLoraAdapter(path: string, rename: (key: string) => string | undefined = debertaKey): Promise<LoraAdapterFile> {
  if (!existsSync(path)) throw new Error(`${path}: no such adapter file or folder`);
  let format: 'peft' | 'loralib';
  let file: string;
  let alpha: number | undefined;
  let useRsLora = false;
  if (statSync(path).isDirectory()) {
    format = 'peft';
    const configFile = join(path, 'adapter_config.json');
    const c = readJson(configFile) as Record<string, unknown>;
    if (c.peft_type !== 'LORA') throw new Error(`${configFile}: peft_type ${JSON.stringify(c.peft_type)} is not LORA`);
    for (const key of ['rank_pattern', 'alpha_pattern']) {
      const v = c[key];
      if (v && typeof v === 'object' && Object.keys(v).length > 0) throw new Error(`${configFile}: ${key} is not supported`);
    }
    if (c.use_dora === true) throw new Error(`${configFile}: DoRA adapters are not supported`);
    if (typeof c.lora_alpha !== 'number') throw new Error(`${configFile}: lora_alpha must be a number`);
    alpha = c.lora_alpha;
    useRsLora = c.use_rslora === true;
    const candidates = ['adapter_model.safetensors', 'adapter_model.bin'].map((f) => join(path, f));
    const found = candidates.find((f) => existsSync(f));
    if (!found) throw new Error(`${path}: no adapter_model.safetensors or adapter_model.bin`);
    file = found;
  } else {
    format = 'loralib';
    file = path;
  }
  const { tensors } = await loadCheckpoint(file);
  const lora = new Map<string, HostTensor>();
  const modules = new Map<string, HostTensor>();
  let rank = 0;
  for (const [rawKey, value] of tensors) {
    const key = rawKey
      .replace(/^base_model\.model\./, '')
      .replace(/^module\./, '')
      .replace(/\.modules_to_save\.[^.]+\./, '.')
      .replace(/\.lora_([AB])(\.[^.]+)?\.weight$/, '.lora_$1')
      .replace(/\.lora_([AB])\.[^.]+$/, '.lora_$1');
    const mapped = rename(key);
    if (mapped === undefined) continue;
    const t = toFloat32(value);
    if (/\.lora_[AB]$/.test(mapped)) {
      if (t.shape.length !== 2) throw new Error(`${file}: "${rawKey}" is not a matrix`);
      const r = mapped.endsWith('lora_A') ? t.shape[0] : t.shape[1];
      if (rank !== 0 && r !== rank) throw new Error(`${file}: "${rawKey}" has rank ${r}, others ${rank} (per-module ranks are not supported)`);
      rank = r;
      lora.set(mapped, t);
    } else modules.set(mapped, t);
  }
  if (lora.size === 0) throw new Error(`${file}: no lora_A / lora_B tensors`);
  return { format, file, rank, alpha, useRsLora, lora, modules };
}

/** Options for `applyLoraAdapter`. */
export interface ApplyAdapterOptions {
  /** scaling = alpha / rank; required for loralib files, which do not store alpha. */
  alpha?: number;
  /** loralib's merge_weights: merge into W on eval() (DeBERTa in examples/NLU: false). */
  mergeWeights?: boolean;
  /** Keys of saved modules to drop when one of them does not fit the model (a head for another label count). */
  headGroup?: (key: string) => string[] | undefined;
}

/**
 * Adds the adapter's A/B to the Linear layers it names (creating adapters as needed) and loads the saved modules.
 * Returns the module keys that were dropped because their shapes did not fit (e.g. an MNLI head on RTE).
 */
export function applyLoraAdapter(model: Module, adapter: LoraAdapterFile, options: ApplyAdapterOptions = {}): { droppedKeys: string[] } {
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
  const dict = new Map<string, HostTensor>();
  for (const [k, v] of adapter.lora) dict.set(k, v);
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
  model.loadStateDict(coreStateDict(dict), { strict: false });
  model.train(wasTraining);
  return { droppedKeys: [...dropped].filter((k) => adapter.modules.has(k)) };
}

/** DeBERTa's head group: a classifier that does not fit is dropped, the pooler kept (examples/NLU `_pre_load_hook`). */
export function debertaHeadGroup(key: string): string[] | undefined {
  return key.startsWith('classifier.') ? ['classifier.weight', 'classifier.bias'] : undefined;
}

/** The adapter and head as a loralib/PEFT state dict of host tensors (`…lora_A`, `…lora_B`, `classifier.…`). */
export async function adapterStateDict(model: Module, moduleKeys: (key: string) => boolean): Promise<Map<string, HostTensor>> {
  const out = new Map<string, HostTensor>();
  for (const [key, t] of model.stateDict()) {
    if (!/\.lora_[AB]$/.test(key) && !moduleKeys(key)) continue;
    out.set(key, { dtype: 'float32', shape: [...t.shape], data: (await t.data()) as Float32Array });
  }
  return out;
}
