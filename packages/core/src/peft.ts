// PEFT's adapter format at the model boundary: state-dict keys (`base_model.model.<path>.lora_A.weight`,
// `…lora_embedding_A`, modules_to_save under their own path) and adapter_config.json, to save a model's adapter
// for PEFT and to load a PEFT adapter (as read by @lorats/checkpoints) into a model.
import * as tf from '@tensorflow/tfjs-core';
import { adapterParameterName, type LoraAdapter, LoraLayer } from './adapters.js';
import { type LoraConfig, loraConfigFromPeft, loraConfigToPeft, type PeftAdapterConfig } from './config.js';
import { ConvNd } from './conv.js';
import { Embedding } from './embedding.js';
import { adapterConfigs, findModulesToSave, markAdaptersTrainable, patternValue, recordAdapterConfig } from './inject.js';
import { MergedLinear } from './merged-linear.js';
import { type HostTensor, type Module, type StateDict, type StateDictValue, stateDictEntries, toTensor } from './module.js';
import { type BiasMode, checkBiasMode } from './trainable.js';

/** The prefix PEFT puts before every module path in adapter files. */
export const PEFT_PREFIX = 'base_model.model.';

/** What a PEFT key holds. */
export type PeftRole = 'lora_A' | 'lora_B' | 'lora_embedding_A' | 'lora_embedding_B' | 'other';

/** The PEFT key of a module's factor: `base_model.model.<path>.lora_A.weight` (Linear) or `….lora_embedding_A` (Embedding). */
export function peftKey(path: string, role: Exclude<PeftRole, 'other'>): string {
  return role === 'lora_A' || role === 'lora_B' ? `${PEFT_PREFIX}${path}.${role}.weight` : `${PEFT_PREFIX}${path}.${role}`;
}

const ROLE = /^(.*)\.(lora_A|lora_B|lora_embedding_A|lora_embedding_B)(?:\.([^.]+))?(?:\.weight)?$/;

/** Splits a PEFT key into module path and role (`other`: a modules_to_save or bias tensor; path is then its model key). */
export function parsePeftKey(key: string): { path: string; role: PeftRole; adapter?: string } {
  const body = key.startsWith(PEFT_PREFIX) ? key.slice(PEFT_PREFIX.length) : key;
  const m = ROLE.exec(body);
  if (m == null) return { path: body, role: 'other' };
  return m[3] != null && m[3] !== 'weight' ? { path: m[1], role: m[2] as PeftRole, adapter: m[3] } : { path: m[1], role: m[2] as PeftRole };
}

function host(t: tf.Tensor): HostTensor {
  return { dtype: 'float32', shape: t.shape.slice(), data: t.dataSync() as Float32Array };
}

/** A grouped (MergedLinear) adapter as one plain LoRA on the whole projection: B' [out, rank·E] with each group's block. */
function expandedFactors(adapter: LoraAdapter): { a: tf.Tensor; b: tf.Tensor } {
  return tf.tidy(() => {
    const enable = adapter.enableLora as readonly boolean[];
    const E = enable.filter(Boolean).length;
    const d = adapter.loraB.shape[0] / E; // rows per group
    const r = adapter.rank;
    const blocks: tf.Tensor[] = [];
    let k = 0;
    for (const on of enable) {
      if (on) {
        blocks.push(tf.pad(tf.slice(adapter.loraB, [k * d, 0], [d, r]), [[0, 0], [k * r, (E - k - 1) * r]]));
        k += 1;
      } else blocks.push(tf.zeros([d, r * E]));
    }
    return { a: tf.clone(adapter.loraA), b: tf.concat(blocks, 0) };
  });
}

/** Options for `peftAdapter`. */
export interface PeftExportOptions {
  /** Which adapter (default 'default'). */
  adapter?: string;
  /** Biases to save (default: the adapter's config, else 'none'). */
  bias?: BiasMode;
  /** Modules saved whole (default: the adapter's config). */
  modulesToSave?: string[];
  /** adapter_config.json `task_type` and `base_model_name_or_path`. */
  taskType?: string | null;
  baseModel?: string | null;
}

/** A model's adapter in PEFT's form: adapter_config.json fields and tensors (host copies) under PEFT keys. */
export interface PeftAdapterData {
  config: PeftAdapterConfig;
  tensors: Map<string, HostTensor>;
}

/**
 * Exports adapter `adapter` as PEFT files hold it. MergedLinear adapters become exact plain LoRA on the fused
 * projection (rank·E, alpha·E so scaling is unchanged) recorded in rank_pattern / alpha_pattern.
 */
export function peftAdapter(model: Module, options: PeftExportOptions = {}): PeftAdapterData {
  const name = options.adapter ?? 'default';
  const recorded = adapterConfigs(model).get(name);
  const bias = checkBiasMode(options.bias ?? recorded?.bias ?? 'none');
  const modulesToSave = options.modulesToSave ?? recorded?.modulesToSave ?? [];
  const tensors = new Map<string, HostTensor>();
  const entries: Array<{ path: string; rank: number; alpha: number; fanInFanOut: boolean }> = [];
  let useRsLora = false;
  for (const [path, layer] of model.namedModules()) {
    if (!(layer instanceof LoraLayer) || !layer.adapters.has(name)) continue;
    const adapter = layer.adapter(name);
    if (layer instanceof ConvNd) throw new Error(`PEFT export: "${path}" is a ${layer.typeName} adapter in loralib's conv layout, which PEFT files cannot hold`);
    useRsLora ||= adapter.useRsLora;
    const embedding = layer instanceof Embedding;
    if (adapter.enableLora != null) {
      const { a, b } = expandedFactors(adapter);
      tensors.set(peftKey(path, 'lora_A'), host(a));
      tensors.set(peftKey(path, 'lora_B'), host(b));
      tf.dispose([a, b]);
      const rank = a.shape[0];
      entries.push({ path, rank, alpha: adapter.useRsLora ? adapter.scaling * Math.sqrt(rank) : adapter.scaling * rank, fanInFanOut: (layer as MergedLinear).fanInFanOut });
    } else {
      tensors.set(peftKey(path, embedding ? 'lora_embedding_A' : 'lora_A'), host(adapter.loraA));
      tensors.set(peftKey(path, embedding ? 'lora_embedding_B' : 'lora_B'), host(adapter.loraB));
      entries.push({ path, rank: adapter.rank, alpha: adapter.alpha, fanInFanOut: 'fanInFanOut' in layer && layer.fanInFanOut === true });
    }
    if (bias === 'lora_only' && layer.bias != null) tensors.set(`${PEFT_PREFIX}${path}.bias`, host(layer.bias));
  }
  if (entries.length === 0) throw new Error(`PEFT export: ${model.typeName} has no adapter "${name}"`);
  if (bias === 'all') for (const [key, v] of model.namedParameters()) if (key.includes('bias')) tensors.set(`${PEFT_PREFIX}${key}`, host(v));
  const savePaths = findModulesToSave(model, modulesToSave);
  for (const path of savePaths) for (const [key, v] of model.getSubmodule(path).namedParameters(path)) tensors.set(`${PEFT_PREFIX}${key}`, host(v));
  // the most common (rank, alpha) is r / lora_alpha; the others go to the patterns (full paths, which match only themselves)
  const counts = new Map<string, { rank: number; alpha: number; n: number }>();
  for (const e of entries) {
    const c = counts.get(`${e.rank}/${e.alpha}`) ?? { rank: e.rank, alpha: e.alpha, n: 0 };
    c.n += 1;
    counts.set(`${e.rank}/${e.alpha}`, c);
  }
  const common = [...counts.values()].reduce((best, c) => (c.n > best.n ? c : best));
  const escape = (p: string): string => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const rankPattern: Record<string, number> = {};
  const alphaPattern: Record<string, number> = {};
  for (const e of entries) {
    if (e.rank !== common.rank) rankPattern[escape(e.path)] = e.rank;
    if (e.alpha !== common.alpha) alphaPattern[escape(e.path)] = e.alpha;
  }
  const targets = recorded?.targets ?? [...new Set(entries.map((e) => e.path.slice(e.path.lastIndexOf('.') + 1)))].sort();
  const config: LoraConfig = {
    rank: common.rank,
    alpha: common.alpha,
    dropout: recorded?.dropout ?? 0,
    targets,
    bias,
    useRsLora,
    init: recorded?.init ?? true,
    rankPattern,
    alphaPattern,
    fanInFanOut: entries.some((e) => e.fanInFanOut),
  };
  if (recorded?.exclude != null) config.exclude = recorded.exclude;
  if (savePaths.length > 0) config.modulesToSave = modulesToSave.slice();
  return { config: loraConfigToPeft(config, { taskType: options.taskType, baseModel: options.baseModel }), tensors };
}

/** What `loadPeftAdapter` did. */
export interface PeftLoadResult {
  /** Module paths that received the adapter. */
  adapted: string[];
  /** Model keys of modules_to_save / bias tensors loaded. */
  loaded: string[];
  /** Target modules of the config that the file has no factors for (PEFT warns about these). */
  missing: string[];
}

/**
 * Loads a PEFT adapter (config JSON and tensors under PEFT keys, tf or host tensors) into `model` as adapter `name`:
 * adds the adapter where the file has factors (rank from the shapes, alpha from lora_alpha / alpha_pattern, rsLoRA
 * honoured), restores MergedLinear groups when B is block-structured, and copies modules_to_save / bias tensors.
 * Errors name the file and key; nothing is added when any key fails.
 */
export function loadPeftAdapter(
  model: Module,
  adapter: { config: Record<string, unknown>; tensors: StateDict<StateDictValue> },
  name = 'default',
  file = '<adapter>',
): PeftLoadResult {
  const config = loraConfigFromPeft(adapter.config, `${file}/adapter_config.json`);
  const factors = new Map<string, { a?: [string, StateDictValue]; b?: [string, StateDictValue]; embedding: boolean }>();
  const others: Array<[string, StateDictValue]> = [];
  for (const [key, value] of stateDictEntries(adapter.tensors)) {
    const k = parsePeftKey(key);
    if (k.role === 'other') {
      // PEFT wrapper segments that may survive in saved keys: `q.base_layer.bias`, `head.modules_to_save.default.weight`
      others.push([k.path.replace(/\.base_layer(?=\.)/g, '').replace(/\.modules_to_save\.[^.]+(?=\.)/g, ''), value]);
      continue;
    }
    const f = factors.get(k.path) ?? { embedding: k.role.startsWith('lora_embedding') };
    if (k.role.endsWith('A')) f.a = [key, value];
    else f.b = [key, value];
    factors.set(k.path, f);
  }
  const plans: Array<{ path: string; layer: LoraLayer; rank: number; alpha: number; enableLora?: boolean[]; a: tf.Tensor; b: tf.Tensor }> = [];
  const own = new Map<string, tf.Tensor>(model.stateDict());
  try {
    for (const [path, f] of factors) {
      if (f.a == null || f.b == null) throw new Error(`${file}: module "${path}" has only one LoRA factor`);
      let layer: Module;
      try {
        layer = model.getSubmodule(path);
      } catch {
        throw new Error(`${file}: key "${(f.a ?? f.b)[0]}" names module "${path}", which ${model.typeName} does not have`);
      }
      if (!(layer instanceof LoraLayer)) throw new Error(`${file}: module "${path}" is a ${layer.typeName}, which cannot carry LoRA`);
      if (f.embedding !== layer instanceof Embedding) throw new Error(`${file}: key "${f.a[0]}" does not fit ${layer.typeName} "${path}"`);
      const a = toTensor(f.a[1], 'float32', f.a[0]);
      const b = toTensor(f.b[1], 'float32', f.b[0]);
      plans.push({ path, layer, rank: a.shape[0], alpha: 0, a, b });
      const rank = a.shape[0];
      if (a.rank !== 2 || b.rank !== 2 || b.shape[1] !== rank) throw new Error(`${file}: "${path}" lora_A [${a.shape}] and lora_B [${b.shape}] disagree on the rank`);
      let alpha = patternValue(config.alphaPattern, path) ?? config.alpha;
      const plan = plans[plans.length - 1];
      // grouped (MergedLinear) layers come back in their loralib form when B is zero outside the groups' blocks
      if (layer instanceof MergedLinear && layer.enableLora.some(Boolean)) {
        const collapsed = collapseGroups(b, layer.enableLora, rank);
        if (collapsed != null) {
          const E = layer.enableLora.filter(Boolean).length;
          b.dispose();
          plan.b = collapsed;
          plan.enableLora = layer.enableLora.slice();
          plan.rank = rank / E;
          alpha = config.useRsLora ? (alpha / Math.sqrt(rank)) * Math.sqrt(rank / E) : alpha / E;
        }
      }
      plan.alpha = alpha;
    }
    for (const [key, value] of others) {
      const t = own.get(key);
      if (t == null) throw new Error(`${file}: key "${PEFT_PREFIX}${key}" names no parameter of ${model.typeName}`);
      if (value.shape.length !== t.shape.length || value.shape.some((d, i) => d !== t.shape[i])) {
        throw new Error(`${file}: key "${PEFT_PREFIX}${key}" has shape [${value.shape}], the model's is [${t.shape}]`);
      }
    }
  } catch (err) {
    for (const p of plans) tf.dispose([p.a, p.b]);
    throw err;
  }
  const adapted: string[] = [];
  try {
    for (const p of plans) {
      const created = p.layer.addAdapter(name, { rank: p.rank, alpha: p.alpha, dropout: config.dropout ?? 0, useRsLora: config.useRsLora, enableLora: p.enableLora, init: true });
      adapted.push(p.path);
      const where = `${file}: "${p.path}"`;
      if (p.a.shape.some((d, i) => d !== created.loraA.shape[i])) throw new Error(`${where} lora_A [${p.a.shape}] does not fit ${p.layer.typeName} (expected [${created.loraA.shape}])`);
      if (p.b.shape.some((d, i) => d !== created.loraB.shape[i])) throw new Error(`${where} lora_B [${p.b.shape}] does not fit ${p.layer.typeName} (expected [${created.loraB.shape}])`);
      created.loraA.assign(p.a);
      created.loraB.assign(p.b);
    }
  } catch (err) {
    for (const path of adapted) (model.getSubmodule(path) as LoraLayer).deleteAdapter(name);
    throw err;
  } finally {
    for (const p of plans) tf.dispose([p.a, p.b]);
  }
  model.loadStateDict(new Map(others), { strict: false });
  recordAdapterConfig(model, name, config);
  markAdaptersTrainable(model, config.bias, config.modulesToSave ?? []);
  const missing: string[] = [];
  if (config.targets !== 'all-linear') {
    for (const [path, m] of model.namedModules()) {
      if (!(m instanceof LoraLayer) || adapted.includes(path)) continue;
      const t = config.targets;
      const hit = typeof t === 'string' ? new RegExp(`^(?:${t})$`).test(path) : t.some((n) => path === n || path.endsWith(`.${n}`));
      if (hit) missing.push(path);
    }
  }
  return { adapted, loaded: others.map(([k]) => k), missing };
}

/** B' [G·d, E·rank] → B [E·d, rank] when B' is zero outside the enabled groups' blocks; else null. */
function collapseGroups(b: tf.Tensor, enable: readonly boolean[], rankTotal: number): tf.Tensor | null {
  const E = enable.filter(Boolean).length;
  if (rankTotal % E !== 0 || b.shape[0] % enable.length !== 0) return null;
  const r = rankTotal / E;
  const d = b.shape[0] / enable.length;
  const data = b.arraySync() as number[][];
  const out: number[][] = [];
  let k = 0;
  for (let g = 0; g < enable.length; g++) {
    for (let row = 0; row < d; row++) {
      const values = data[g * d + row];
      for (let c = 0; c < E * r; c++) {
        const inBlock = enable[g] && c >= k * r && c < (k + 1) * r;
        if (!inBlock && values[c] !== 0) return null;
      }
      if (enable[g]) out.push(values.slice(k * r, (k + 1) * r));
    }
    if (enable[g]) k += 1;
  }
  return tf.tensor2d(out, [E * d, r]);
}

/** The lorats state-dict key of an adapter factor (`<path>.lora_A` or `<path>.lora_A.<name>`), for file readers. */
export function loraKey(path: string, which: 'lora_A' | 'lora_B', adapter = 'default'): string {
  return `${path}.${adapterParameterName(which, adapter)}`;
}
