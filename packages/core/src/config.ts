// LoraConfig: one small type for adding LoRA to a model, and its mapping to and from PEFT's adapter_config.json.
import type { LoraInit } from './adapters.js';
import { type BiasMode, checkBiasMode } from './trainable.js';

/** How to add LoRA to an existing module tree (PEFT's LoraConfig, with lorats names). */
export interface LoraConfig {
  /** Rank (PEFT `r`). */
  rank: number;
  /** Scale numerator: scaling = alpha / rank (PEFT `lora_alpha`). */
  alpha: number;
  /** Dropout on the LoRA input (PEFT `lora_dropout`, default 0). */
  dropout?: number;
  /**
   * Modules to adapt: names matched against the full path or its last parts (`['query', 'value']` matches
   * `…attention.self.query`), a regex string matched against the whole path, or 'all-linear'.
   */
  targets: string[] | string;
  /** Modules to skip: names (as targets) or a regex string (PEFT `exclude_modules`). */
  exclude?: string[] | string;
  /** Only adapt blocks with these indices under `layersPattern` (PEFT `layers_to_transform`). */
  layersToTransform?: number[];
  /** Name of the block list holding numbered layers, e.g. 'h' or 'layer' (PEFT `layers_pattern`). */
  layersPattern?: string | string[];
  /** Per-module rank overrides: regex (matched against the path's end) → rank (PEFT `rank_pattern`). */
  rankPattern?: Record<string, number>;
  /** Per-module alpha overrides (PEFT `alpha_pattern`). */
  alphaPattern?: Record<string, number>;
  /** Which biases train and are saved (PEFT `bias`, loralib's bias modes). */
  bias?: BiasMode;
  /** rsLoRA: scaling = alpha / √rank (PEFT `use_rslora`). */
  useRsLora?: boolean;
  /** Initialisation (PEFT `init_lora_weights`). */
  init?: LoraInit;
  /** Modules trained fully and saved with the adapter, e.g. a classifier head (PEFT `modules_to_save`). */
  modulesToSave?: string[];
  /** MergedLinear groups per target name, e.g. `{ c_attn: [true, false, true] }` (loralib; PEFT has no equivalent). */
  enableLora?: Record<string, boolean[]>;
  /** loralib's merge_weights on the adapted layers: eval() merges, train() unmerges (default false, as PEFT). */
  mergeWeights?: boolean;
  /** Informational: the base weights are stored [in, out] (PEFT `fan_in_fan_out`); lorats layers know their layout. */
  fanInFanOut?: boolean;
}

/** A JSON value as adapter_config.json holds it. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** PEFT adapter_config.json fields lorats reads and writes (others are kept by the file readers). */
export interface PeftAdapterConfig {
  peft_type: 'LORA';
  r: number;
  lora_alpha: number;
  lora_dropout: number;
  target_modules: string[] | string;
  exclude_modules: string[] | string | null;
  layers_to_transform: number[] | null;
  layers_pattern: string | string[] | null;
  rank_pattern: Record<string, number>;
  alpha_pattern: Record<string, number>;
  bias: BiasMode;
  use_rslora: boolean;
  init_lora_weights: boolean | string;
  modules_to_save: string[] | null;
  fan_in_fan_out: boolean;
  task_type: string | null;
  base_model_name_or_path: string | null;
  inference_mode: boolean;
  [field: string]: JsonValue | undefined;
}

/** PEFT options that change the adapter's math, which lorats does not implement: error if set. */
const UNSUPPORTED: Array<[string, (v: unknown) => boolean]> = [
  ['use_dora', (v) => v === true],
  ['lora_bias', (v) => v === true],
  ['layer_replication', (v) => v != null],
  ['target_parameters', (v) => v != null && !(Array.isArray(v) && v.length === 0)],
  ['trainable_token_indices', (v) => v != null],
  ['use_qalora', (v) => v === true],
  ['alora_invocation_tokens', (v) => v != null],
];

/** The PEFT adapter_config.json object for a LoraConfig (task and base model name optional). */
export function loraConfigToPeft(config: LoraConfig, extra: { taskType?: string | null; baseModel?: string | null } = {}): PeftAdapterConfig {
  return {
    peft_type: 'LORA',
    r: config.rank,
    lora_alpha: config.alpha,
    lora_dropout: config.dropout ?? 0,
    target_modules: Array.isArray(config.targets) ? config.targets.slice() : config.targets,
    exclude_modules: config.exclude == null ? null : Array.isArray(config.exclude) ? config.exclude.slice() : config.exclude,
    layers_to_transform: config.layersToTransform?.slice() ?? null,
    layers_pattern: config.layersPattern ?? null,
    rank_pattern: { ...(config.rankPattern ?? {}) },
    alpha_pattern: { ...(config.alphaPattern ?? {}) },
    bias: config.bias ?? 'none',
    use_rslora: config.useRsLora ?? false,
    init_lora_weights: config.init ?? true,
    modules_to_save: config.modulesToSave?.slice() ?? null,
    fan_in_fan_out: config.fanInFanOut ?? false,
    task_type: extra.taskType ?? null,
    base_model_name_or_path: extra.baseModel ?? null,
    inference_mode: false,
  };
}

function fail(file: string, field: string, problem: string): never {
  throw new Error(`${file}: ${field} ${problem}`);
}

/**
 * A LoraConfig from a parsed adapter_config.json (PEFT defaults for missing fields), naming the file and field when a
 * value is invalid or uses a PEFT feature lorats does not implement.
 */
export function loraConfigFromPeft(json: Record<string, unknown>, file = 'adapter_config.json'): LoraConfig {
  if (json.peft_type != null && json.peft_type !== 'LORA') fail(file, 'peft_type', `is ${JSON.stringify(json.peft_type)}, not "LORA"`);
  for (const [field, isSet] of UNSUPPORTED) if (isSet(json[field])) fail(file, field, 'is set, which lorats does not support');
  const num = (field: string, dflt: number): number => {
    const v = json[field] ?? dflt;
    if (typeof v !== 'number' || !Number.isFinite(v)) fail(file, field, `must be a number, got ${JSON.stringify(v)}`);
    return v;
  };
  const rank = num('r', 8);
  if (!Number.isInteger(rank) || rank <= 0) fail(file, 'r', `must be a positive integer, got ${rank}`);
  const names = (field: string): string[] | string | undefined => {
    const v = json[field];
    if (v == null) return undefined;
    if (typeof v === 'string' || (Array.isArray(v) && v.every((s) => typeof s === 'string'))) return v as string[] | string;
    return fail(file, field, `must be a string or a list of strings, got ${JSON.stringify(v)}`);
  };
  const pattern = (field: string): Record<string, number> | undefined => {
    const v = json[field];
    if (v == null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v) || Object.values(v).some((x) => typeof x !== 'number')) fail(file, field, 'must map names to numbers');
    return Object.keys(v as object).length === 0 ? undefined : { ...(v as Record<string, number>) };
  };
  const targets = names('target_modules');
  if (targets == null) fail(file, 'target_modules', 'is missing (lorats has no per-architecture default; name the modules)');
  const init = json.init_lora_weights ?? true;
  if (!(typeof init === 'boolean' || init === 'gaussian' || (typeof init === 'string' && /^pissa(_niter_\d+)?$/.test(init)))) {
    fail(file, 'init_lora_weights', `${JSON.stringify(init)} is not supported (true, false, "gaussian", "pissa", "pissa_niter_K")`);
  }
  let bias: BiasMode;
  try {
    bias = checkBiasMode(String(json.bias ?? 'none'));
  } catch (err) {
    return fail(file, 'bias', (err as Error).message);
  }
  const layers = json.layers_to_transform;
  const config: LoraConfig = {
    rank,
    alpha: num('lora_alpha', 8),
    dropout: num('lora_dropout', 0),
    targets,
    bias,
    useRsLora: json.use_rslora === true,
    init: init as LoraInit,
    fanInFanOut: json.fan_in_fan_out === true,
  };
  const exclude = names('exclude_modules');
  if (exclude != null) config.exclude = exclude;
  if (layers != null) config.layersToTransform = typeof layers === 'number' ? [layers] : (layers as number[]);
  const layersPattern = names('layers_pattern');
  if (layersPattern != null) config.layersPattern = layersPattern;
  const rankPattern = pattern('rank_pattern');
  if (rankPattern != null) config.rankPattern = rankPattern;
  const alphaPattern = pattern('alpha_pattern');
  if (alphaPattern != null) config.alphaPattern = alphaPattern;
  const toSave = names('modules_to_save');
  if (toSave != null) config.modulesToSave = typeof toSave === 'string' ? [toSave] : toSave;
  return config;
}
