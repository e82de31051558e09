// PEFT adapter folders (huggingface/peft save_pretrained): adapter_config.json + adapter_model.safetensors (or the
// legacy adapter_model.bin). Keys carry the module path under `base_model.model.` with the adapter name removed:
// `<path>.lora_A.weight`, `<path>.lora_B.weight`, `<path>.lora_embedding_A`, `<path>.lora_embedding_B`,
// `<path>.lora_magnitude_vector` (DoRA); modules_to_save tensors under their own path (`classifier.dense.weight`).
import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFolderAtomic, type FolderFile } from './atomic-write.js';
import type { HostTensor, StateDict } from './dtype.js';
import { CorruptCheckpointError, InvalidTensorError, MissingEntryError, UnsupportedFormatError } from './errors.js';
import { collapseMerged, expandMerged, type LoraModule, type LoraWeights } from './lora.js';
import { pythonJsonDumps, type JsonValue } from './python-json.js';
import type { ReadOptions } from './reader.js';
import { safetensorsWriter, SafetensorsReader } from './safetensors.js';
import { openCheckpoint } from './checkpoint.js';
import { torchWriter } from './torch-zip.js';

export const ADAPTER_CONFIG_NAME = 'adapter_config.json';
export const ADAPTER_SAFETENSORS_NAME = 'adapter_model.safetensors';
export const ADAPTER_BIN_NAME = 'adapter_model.bin';
/** safetensors metadata key under which lorats records loralib MergedLinear groups (PEFT ignores metadata). */
export const MERGED_METADATA_KEY = 'lorats.loralib_merged';
const PREFIX = 'base_model.model.';
/** LoraConfig fields typed `float`, written `0.0` rather than `0` as Python would. */
const PEFT_FLOAT_FIELDS = ['lora_dropout'];

/** adapter_config.json: the fields read here are typed; every other field is kept as it is. */
export interface AdapterConfigJson {
  peft_type?: string;
  task_type?: string | null;
  base_model_name_or_path?: string | null;
  r?: number;
  lora_alpha?: number;
  lora_dropout?: number;
  target_modules?: string[] | string | null;
  modules_to_save?: string[] | null;
  fan_in_fan_out?: boolean;
  bias?: string;
  rank_pattern?: Record<string, number>;
  alpha_pattern?: Record<string, number>;
  use_rslora?: boolean;
  use_dora?: boolean;
  [field: string]: JsonValue | undefined;
}

/** An adapter as files hold it: config, tensors under PEFT keys, safetensors metadata. */
export interface PeftAdapter {
  config: AdapterConfigJson;
  tensors: StateDict;
  /** safetensors `__metadata__` (PEFT writes `{"format": "pt"}`); empty for `.bin` adapters. */
  metadata: Record<string, string>;
}

export interface ReadPeftResult extends PeftAdapter {
  folder: string;
  weightsFile: typeof ADAPTER_SAFETENSORS_NAME | typeof ADAPTER_BIN_NAME;
  /** adapter_config.json exactly as read; written back verbatim when the config is unchanged. */
  configText: string;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** True when `path` is a folder holding adapter_config.json. */
export async function isPeftFolder(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory() && (await exists(join(path, ADAPTER_CONFIG_NAME)));
  } catch {
    return false;
  }
}

/** Reads a PEFT adapter folder (or the path of its adapter_config.json / weights file). Tensors keep their file dtype unless decoded. */
export async function readPeftAdapter(path: string, options: ReadOptions = { raw: true }): Promise<ReadPeftResult> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new MissingEntryError(path, 'no such file or folder');
  const folder = info.isDirectory() ? path : dirname(path);
  const configPath = join(folder, ADAPTER_CONFIG_NAME);
  if (!(await exists(configPath))) throw new MissingEntryError(folder, `no ${ADAPTER_CONFIG_NAME} (not a PEFT adapter folder)`, { key: ADAPTER_CONFIG_NAME });
  const configText = await readFile(configPath, 'utf8');
  let config: JsonValue;
  try {
    config = JSON.parse(configText) as JsonValue;
  } catch (e) {
    throw new CorruptCheckpointError(configPath, `not valid JSON (${(e as Error).message})`);
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new CorruptCheckpointError(configPath, 'not a JSON object');
  const adapterConfig = config as AdapterConfigJson;
  if (adapterConfig.r !== undefined && !(Number.isInteger(adapterConfig.r) && adapterConfig.r > 0)) {
    throw new CorruptCheckpointError(configPath, `r must be a positive integer (got ${JSON.stringify(adapterConfig.r)})`, { key: 'r' });
  }
  const weightsFile = (await exists(join(folder, ADAPTER_SAFETENSORS_NAME)))
    ? ADAPTER_SAFETENSORS_NAME
    : (await exists(join(folder, ADAPTER_BIN_NAME)))
      ? ADAPTER_BIN_NAME
      : undefined;
  if (!weightsFile) throw new MissingEntryError(folder, `neither ${ADAPTER_SAFETENSORS_NAME} nor ${ADAPTER_BIN_NAME} is present`, { key: ADAPTER_SAFETENSORS_NAME });
  const reader = weightsFile === ADAPTER_SAFETENSORS_NAME ? await SafetensorsReader.open(join(folder, weightsFile)) : await openCheckpoint(join(folder, weightsFile));
  try {
    return { folder, weightsFile, configText, config: adapterConfig, tensors: await reader.readAll(options), metadata: { ...reader.metadata } };
  } finally {
    await reader.close();
  }
}

export interface WritePeftOptions {
  /** `safetensors` (PEFT's default) or the legacy `bin`. */
  format?: 'safetensors' | 'bin';
  /** The config text to write when `adapter.config` is unchanged from it (keeps a PEFT-written file byte-identical). */
  configText?: string;
}

function sameJson(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  const ao = a as Record<string, JsonValue>;
  const bo = b as Record<string, JsonValue>;
  const ak = Object.keys(ao);
  return ak.length === Object.keys(bo).length && ak.every((k) => k in bo && sameJson(ao[k], bo[k]));
}

/**
 * Writes an adapter folder atomically: a new folder appears whole, an existing one gets both files replaced only
 * after both were written. The config is written like PEFT (`json.dumps(indent=2, sort_keys=True)`). Metadata is
 * optional, so `@lorats/core`'s `peftAdapter(model)` can be written as it is.
 */
export async function writePeftAdapter(
  folder: string,
  adapter: Omit<PeftAdapter, 'metadata'> & Partial<Pick<PeftAdapter, 'metadata'>>,
  options: WritePeftOptions = {},
): Promise<void> {
  const format = options.format ?? 'safetensors';
  if ((adapter.config.peft_type ?? 'LORA') === 'LORA') {
    for (const key of adapter.tensors.keys()) {
      if (!key.startsWith(PREFIX)) throw new InvalidTensorError(folder, `PEFT LoRA keys start with "${PREFIX}"`, { key });
    }
  }
  let text: string;
  if (options.configText !== undefined && sameJson(JSON.parse(options.configText) as JsonValue, adapter.config as JsonValue)) text = options.configText;
  else text = pythonJsonDumps(adapter.config as JsonValue, { floatKeys: PEFT_FLOAT_FIELDS });
  const weightsName = format === 'safetensors' ? ADAPTER_SAFETENSORS_NAME : ADAPTER_BIN_NAME;
  const weightsPath = join(folder, weightsName);
  const files: FolderFile[] = [
    {
      name: weightsName,
      write:
        format === 'safetensors'
          ? safetensorsWriter(weightsPath, adapter.tensors, { metadata: { format: 'pt', ...adapter.metadata } })
          : torchWriter(weightsPath, adapter.tensors, { archiveName: 'adapter_model' }),
    },
    { name: ADAPTER_CONFIG_NAME, write: new TextEncoder().encode(text) },
  ];
  await writeFolderAtomic(folder, files);
}

export type PeftTensorRole = 'lora_A' | 'lora_B' | 'lora_embedding_A' | 'lora_embedding_B' | 'lora_magnitude_vector' | 'other';

/** A PEFT key split into module path and role. `other` is a modules_to_save or bias tensor (path is its full key). */
export interface PeftKey {
  path: string;
  role: PeftTensorRole;
  /** Adapter name when the key still carries one (`lora_A.default.weight`), which PEFT's own saves never do. */
  adapterName?: string;
}

const ROLE = /^(.*)\.(lora_A|lora_B|lora_embedding_A|lora_embedding_B|lora_magnitude_vector)(?:\.([^.]+))?(?:\.weight)?$/;

/** Parses `base_model.model.<path>.lora_A.weight` and friends. */
export function parsePeftKey(key: string): PeftKey {
  const body = key.startsWith(PREFIX) ? key.slice(PREFIX.length) : key;
  const m = ROLE.exec(body);
  if (!m) return { path: body, role: 'other' };
  const [, path, role, name] = m;
  const out: PeftKey = { path, role: role as PeftTensorRole };
  if (name !== undefined && name !== 'weight') out.adapterName = name;
  return out;
}

/** The key PEFT saves for a module path and role. */
export function peftKey(path: string, role: Exclude<PeftTensorRole, 'other'>): string {
  return role === 'lora_A' || role === 'lora_B' ? `${PREFIX}${path}.${role}.weight` : `${PREFIX}${path}.${role}`;
}

function patternValue(pattern: Record<string, number> | undefined, path: string): number | undefined {
  if (!pattern) return undefined;
  for (const [key, value] of Object.entries(pattern)) {
    try {
      if (new RegExp(`^(?:.*\\.)?(?:${key})$`).test(path)) return value;
    } catch {
      if (path === key || path.endsWith(`.${key}`)) return value;
    }
  }
  return undefined;
}

function mergedMetadata(file: string, metadata: Record<string, string>): Record<string, boolean[]> {
  const text = metadata[MERGED_METADATA_KEY];
  if (!text) return {};
  try {
    return JSON.parse(text) as Record<string, boolean[]>;
  } catch {
    throw new CorruptCheckpointError(file, `metadata ${MERGED_METADATA_KEY} is not JSON`);
  }
}

/**
 * The LoRA modules of a PEFT adapter, with each module's rank (from the shapes) and alpha (alpha_pattern or
 * lora_alpha; with use_rslora the alpha that gives the same scaling under alpha/rank). MergedLinear modules recorded
 * by `peftFromLora` come back in their loralib form.
 */
export function loraFromPeft(adapter: PeftAdapter, file = '<adapter>'): LoraWeights {
  const { config } = adapter;
  if (config.peft_type !== undefined && config.peft_type !== 'LORA') throw new UnsupportedFormatError(file, `peft_type ${config.peft_type} is not LoRA`, { key: 'peft_type' });
  if (config.use_dora) throw new UnsupportedFormatError(file, 'DoRA adapters (use_dora) have a magnitude vector that loralib cannot hold', { key: 'use_dora' });
  const factors = new Map<string, { kind: 'linear' | 'embedding'; a?: HostTensor; b?: HostTensor }>();
  const extra: StateDict = new Map();
  for (const [key, t] of adapter.tensors) {
    const k = parsePeftKey(key);
    if (k.role === 'other') {
      extra.set(k.path, t);
      continue;
    }
    if (k.role === 'lora_magnitude_vector') throw new UnsupportedFormatError(file, 'DoRA magnitude vectors cannot be converted', { key });
    const kind = k.role.startsWith('lora_embedding') ? 'embedding' : 'linear';
    const entry = factors.get(k.path) ?? { kind };
    if (k.role.endsWith('A')) entry.a = t;
    else entry.b = t;
    factors.set(k.path, entry);
  }
  const merged = mergedMetadata(file, adapter.metadata);
  const lora = config.lora_alpha ?? 8;
  const modules: LoraModule[] = [];
  for (const [path, f] of factors) {
    if (!f.a || !f.b) throw new MissingEntryError(file, `module has only one LoRA factor`, { key: path });
    const rank = f.a.shape[0];
    if (f.b.shape[f.b.shape.length - 1] !== rank) throw new CorruptCheckpointError(file, `lora_A [${f.a.shape}] and lora_B [${f.b.shape}] disagree on the rank`, { key: path });
    let alpha = patternValue(config.alpha_pattern, path) ?? lora;
    if (config.use_rslora) alpha = alpha * Math.sqrt(rank);
    const module: LoraModule = { path, kind: f.kind, rank, alpha, loraA: f.a, loraB: f.b };
    const groups = merged[path];
    modules.push((groups && collapseMerged(module, groups)) || module);
  }
  return { modules, extra };
}

/** Heads PEFT itself adds to modules_to_save for classification tasks; their sub-modules are saved as the whole head. */
const HEADS = ['classifier', 'score'];

/** The module that owns a non-LoRA tensor: its parent path, or the whole classification head. */
function moduleToSave(key: string): string {
  const head = HEADS.find((h) => key.startsWith(`${h}.`));
  if (head) return head;
  return key.includes('.') ? key.slice(0, key.lastIndexOf('.')) : key;
}

export interface PeftFromLoraOptions {
  baseModel?: string | null;
  taskType?: string | null;
  /** Recorded as lora_dropout (loralib files do not store it). Default 0. */
  dropout?: number;
  /** Set fan_in_fan_out (GPT-2's Conv1D layers); by default true when a target is `c_attn`, `c_proj` or `c_fc`. */
  fanInFanOut?: boolean;
}

/**
 * A PEFT adapter for LoRA weights: MergedLinear modules become plain LoRA on the fused projection (see
 * `expandMerged`, exact), recorded in the safetensors metadata so `loraFromPeft` can restore them; the most common
 * rank/alpha become r/lora_alpha and the rest go to rank_pattern/alpha_pattern; extra tensors keep their paths and
 * their modules go to modules_to_save (a whole `classifier`/`score` head as one module, as PEFT wraps it).
 */
export function peftFromLora(weights: LoraWeights, options: PeftFromLoraOptions = {}): PeftAdapter {
  const tensors: StateDict = new Map();
  const merged: Record<string, boolean[]> = {};
  const expanded = weights.modules.map((m) => {
    if (m.enableLora) merged[m.path] = m.enableLora;
    return expandMerged(m);
  });
  // the most common (rank, alpha) becomes r / lora_alpha; first seen wins ties
  const counts = new Map<string, { rank: number; alpha: number; n: number }>();
  let common = { rank: 8, alpha: 8, n: 0 };
  for (const m of expanded) {
    const entry = counts.get(`${m.rank}/${m.alpha}`) ?? { rank: m.rank, alpha: m.alpha, n: 0 };
    entry.n++;
    counts.set(`${m.rank}/${m.alpha}`, entry);
    if (entry.n > common.n) common = entry;
  }
  const rankPattern: Record<string, number> = {};
  const alphaPattern: Record<string, number> = {};
  for (const m of expanded) {
    const embedding = m.kind === 'embedding';
    tensors.set(peftKey(m.path, embedding ? 'lora_embedding_A' : 'lora_A'), m.loraA);
    tensors.set(peftKey(m.path, embedding ? 'lora_embedding_B' : 'lora_B'), m.loraB);
    if (m.rank !== common.rank) rankPattern[m.path] = m.rank;
    if (m.alpha !== common.alpha) alphaPattern[m.path] = m.alpha;
  }
  const toSave = new Set<string>();
  for (const [key, t] of weights.extra) {
    tensors.set(`${PREFIX}${key}`, t);
    toSave.add(moduleToSave(key));
  }
  const targets = [...new Set(weights.modules.map((m) => m.path.slice(m.path.lastIndexOf('.') + 1)))].sort();
  const conv1d = targets.some((t) => t === 'c_attn' || t === 'c_proj' || t === 'c_fc');
  const config: AdapterConfigJson = {
    alpha_pattern: alphaPattern,
    base_model_name_or_path: options.baseModel ?? null,
    bias: 'none',
    fan_in_fan_out: options.fanInFanOut ?? conv1d,
    inference_mode: true,
    init_lora_weights: true,
    layers_pattern: null,
    layers_to_transform: null,
    lora_alpha: common.alpha,
    lora_dropout: options.dropout ?? 0,
    modules_to_save: toSave.size ? [...toSave] : null,
    peft_type: 'LORA',
    r: common.rank,
    rank_pattern: rankPattern,
    revision: null,
    target_modules: targets,
    task_type: options.taskType ?? null,
    use_dora: false,
    use_rslora: false,
  };
  const metadata: Record<string, string> = { format: 'pt' };
  if (Object.keys(merged).length) metadata[MERGED_METADATA_KEY] = JSON.stringify(merged);
  return { config, tensors, metadata };
}
