// The checkpoint boundary of @lorats/gpt2: Hugging Face model folders (config.json + model.safetensors or
// pytorch_model.bin, sharded or not), single weight files of any age (the legacy `gpt2-medium-pytorch_model.bin`,
// TF-converted `.g` / `.b` / `.w` names, DDP's `module.` and loralib's `model_state_dict` wrappers), and LoRA
// adapters: loralib's released NLG files ({'model_state_dict': {'module.transformer.h.N.attn.c_attn.lora_A': …}})
// and PEFT adapter folders. Key spellings live only here; the model sees its own names.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  isPeftFolder,
  loadCheckpoint,
  loraFromPeft,
  readHfWeights,
  readJson,
  readLoralib,
  readPeftAdapter,
  toFloat32,
  type HostTensor,
  type LoraModule,
  type LoraWeights,
} from '@lorats/checkpoints';
import { DEFAULT_ADAPTER, LoraLayer, manualSeed } from '@lorats/core';
import * as tf from '@tensorflow/tfjs-core';
import { configFromHf, type Gpt2Config, type Gpt2LoraConfig } from './config.js';
import { Gpt2LMModel } from './model.js';

const WRAPPERS = ['model_state_dict.', 'state_dict.', 'module.', 'base_model.model.'];

/**
 * The model key (`transformer.h.0.attn.c_attn.weight`) of a checkpoint key, or undefined for tensors the model does
 * not hold (the tied `lm_head.weight`, the causal-mask buffers `attn.bias` / `attn.masked_bias`). Applies every
 * rename loralib's `load_weight` does, and both at once (loralib drops the suffix rename when it strips the prefix).
 */
export function gpt2Key(key: string): string | undefined {
  let k = key;
  for (let changed = true; changed; ) {
    changed = false;
    for (const w of WRAPPERS) {
      if (k.startsWith(w)) {
        k = k.slice(w.length);
        changed = true;
      }
    }
  }
  if (k === 'lm_head.weight') return undefined;
  if (k.startsWith('transformer.')) k = k.slice('transformer.'.length);
  k = k.replace(/\.g$/, '.weight').replace(/\.w$/, '.weight').replace(/\.b$/, '.bias');
  if (/(^|\.)attn\.(masked_)?bias$/.test(k)) return undefined;
  return `transformer.${k}`;
}

/** The tensors of a model folder or of one weight file; `file` is what was read (for error messages). */
export async function readGpt2Weights(path: string): Promise<{ file: string; tensors: Map<string, HostTensor> }> {
  if (!existsSync(path)) throw new Error(`${path}: no such file or folder`);
  if (!statSync(path).isDirectory()) return { file: path, tensors: (await loadCheckpoint(path)).tensors };
  return readHfWeights(path);
}

const HEADS_BY_WIDTH: Record<number, number> = { 768: 12, 1024: 16, 1280: 20, 1600: 25 };

/** A config from tensor shapes alone (old files ship no config.json); heads come from GPT-2's sizes. */
export function inferGpt2Config(tensors: ReadonlyMap<string, HostTensor>, file: string): Gpt2Config {
  const byKey = new Map<string, HostTensor>();
  for (const [k, t] of tensors) {
    const key = gpt2Key(k);
    if (key) byKey.set(key, t);
  }
  const wte = byKey.get('transformer.wte.weight');
  const wpe = byKey.get('transformer.wpe.weight');
  if (!wte || !wpe) throw new Error(`${file}: no wte/wpe weights, so this is not a GPT-2 checkpoint`);
  let nLayer = 0;
  for (const k of byKey.keys()) {
    const m = /^transformer\.h\.(\d+)\./.exec(k);
    if (m) nLayer = Math.max(nLayer, Number(m[1]) + 1);
  }
  const nEmbd = wte.shape[1];
  const nHead = HEADS_BY_WIDTH[nEmbd];
  if (nHead === undefined) throw new Error(`${file}: width ${nEmbd} is not a GPT-2 size; put a config.json beside the weights`);
  return { vocabSize: wte.shape[0], nPositions: wpe.shape[0], nEmbd, nLayer, nHead, layerNormEpsilon: 1e-5 };
}

/**
 * Loads checkpoint tensors into `model`, by name after `gpt2Key`. Every backbone parameter must be present and of the
 * right shape; LoRA factors are optional (a base checkpoint leaves the adapter at its init, as loralib's loader does);
 * an unknown tensor is an error naming the file and key.
 */
export function loadGpt2StateDict(model: Gpt2LMModel, tensors: ReadonlyMap<string, HostTensor>, file: string): void {
  const dict = new Map<string, HostTensor>();
  for (const [k, t] of tensors) {
    const key = gpt2Key(k);
    if (key === undefined) continue;
    if (dict.has(key)) throw new Error(`${file}: keys "${k}" and another both map to "${key}"`);
    dict.set(key, toFloat32(t));
  }
  const own = new Set(model.namedParameters().map(([k]) => k));
  const unexpected = [...dict.keys()].filter((k) => !own.has(k));
  if (unexpected.length > 0) throw new Error(`${file}: tensors the GPT-2 model does not have: ${unexpected.slice(0, 5).join(', ')}${unexpected.length > 5 ? ', …' : ''}`);
  const missing = [...own].filter((k) => !dict.has(k) && !k.includes('lora_'));
  if (missing.length > 0) throw new Error(`${file}: missing GPT-2 weights: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`);
  try {
    model.loadStateDict(dict, { strict: false });
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
}

export interface LoadGpt2Options {
  /** The paper's LoRA (q and v of every c_attn); omitted = no adapter. */
  lora?: Gpt2LoraConfig;
  /** Overrides config.json / the shapes. */
  config?: Gpt2Config;
  /** Seed for the LoRA A init (and anything not in the checkpoint). */
  seed?: number;
}

/** Builds a GPT-2 from an HF folder or a weight file and loads its weights. */
export async function loadGpt2(path: string, options: LoadGpt2Options = {}): Promise<{ model: Gpt2LMModel; config: Gpt2Config; file: string }> {
  const { file, tensors } = await readGpt2Weights(path);
  const configFile = statSync(path).isDirectory() ? join(path, 'config.json') : undefined;
  const config =
    options.config ?? (configFile && existsSync(configFile) ? configFromHf(readJson(configFile), configFile) : inferGpt2Config(tensors, file));
  if (options.seed !== undefined) manualSeed(options.seed);
  // Every backbone tensor comes from the file; only LoRA keeps its (constructor) init.
  const model = new Gpt2LMModel(config, options.lora);
  try {
    loadGpt2StateDict(model, tensors, file);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return { model, config, file };
}

/**
 * Reads a LoRA adapter for GPT-2: a PEFT folder (adapter_config.json; alpha from the config) or a loralib file
 * (`.pt`/`.bin`/safetensors of `lora_A`/`lora_B` tensors; `alpha` must be given, loralib does not store it).
 */
export async function readGpt2Adapter(path: string, alpha?: number): Promise<{ file: string; weights: LoraWeights }> {
  if (await isPeftFolder(path)) {
    const adapter = await readPeftAdapter(path, { raw: false });
    const file = join(adapter.folder, adapter.weightsFile);
    const weights = loraFromPeft(adapter, file);
    if (alpha !== undefined) for (const m of weights.modules) m.alpha = alpha;
    return { file, weights };
  }
  if (alpha === undefined) throw new Error(`${path}: a loralib adapter file does not store alpha; pass it (--alpha)`);
  return { file: path, weights: await readLoralib(path, { alpha }) };
}

function loraValue(t: HostTensor, where: string): tf.Tensor {
  const f = toFloat32(t);
  if (f.dtype !== 'float32') throw new Error(`${where}: LoRA factor has dtype ${f.dtype}`);
  return tf.tensor(f.data as Float32Array, f.shape, 'float32');
}

/**
 * Puts adapter weights into the model: each module's path is mapped by `gpt2Key`, the layer gets an adapter named
 * `name` (created if absent, with the file's rank, alpha and MergedLinear groups) and its A/B are set. Extra tensors
 * (modules_to_save, biases) replace the base parameters of the same name.
 */
export function applyGpt2Adapter(model: Gpt2LMModel, weights: LoraWeights, file: string, name = DEFAULT_ADAPTER): void {
  for (const m of weights.modules) applyModule(model, m, file, name);
  if (weights.extra.size > 0) {
    const dict = new Map<string, HostTensor>();
    for (const [k, t] of weights.extra) {
      const key = gpt2Key(k);
      if (key !== undefined) dict.set(key, toFloat32(t));
    }
    const own = new Set(model.namedParameters().map(([k]) => k));
    const unknown = [...dict.keys()].filter((k) => !own.has(k));
    if (unknown.length > 0) throw new Error(`${file}: adapter tensors the GPT-2 model does not have: ${unknown.join(', ')}`);
    model.loadStateDict(dict, { strict: false });
  }
}

function applyModule(model: Gpt2LMModel, m: LoraModule, file: string, name: string): void {
  const key = gpt2Key(`${m.path}.weight`);
  if (key === undefined) throw new Error(`${file}: LoRA on "${m.path}", which the model does not have`);
  const path = key.slice(0, -'.weight'.length);
  let layer: unknown;
  try {
    layer = model.getSubmodule(path);
  } catch {
    throw new Error(`${file}: LoRA on "${m.path}", which the model does not have`);
  }
  if (!(layer instanceof LoraLayer)) throw new Error(`${file}: "${m.path}" is not a layer that can carry LoRA`);
  const existing = layer.adapters.get(name);
  const groups = m.enableLora ?? null;
  const sameGroups = (a: readonly boolean[] | null, b: readonly boolean[] | null) => JSON.stringify(a) === JSON.stringify(b);
  if (existing && (existing.rank !== m.rank || !sameGroups(existing.enableLora, groups) || existing.alpha !== m.alpha)) {
    layer.deleteAdapter(name);
  }
  const adapter = layer.adapters.get(name) ?? layer.addAdapter(name, { rank: m.rank, alpha: m.alpha, ...(groups ? { enableLora: [...groups] } : {}) });
  const where = `${file}: ${m.path}`;
  for (const [variable, value, label] of [
    [adapter.loraA, m.loraA, 'lora_A'],
    [adapter.loraB, m.loraB, 'lora_B'],
  ] as const) {
    if (variable.shape.join(',') !== value.shape.join(',')) {
      throw new Error(`${where}.${label} has shape [${value.shape}], the layer expects [${variable.shape}]`);
    }
    const t = loraValue(value, `${where}.${label}`);
    variable.assign(t);
    t.dispose();
  }
  if (!layer.activeAdapters.includes(name)) layer.setActiveAdapters([...layer.activeAdapters, name]);
}
