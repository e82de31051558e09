// GPT-2 architecture settings (Radford et al. 2019) as microsoft/LoRA examples/NLG/src/model.py's GPT2Config has
// them, the three sizes the paper uses, tiny presets for tests and the default run, and the paper's LoRA placement.

/** Architecture of a GPT-2 model. */
export interface Gpt2Config {
  vocabSize: number;
  /** Maximum sequence length (learned position embeddings). */
  nPositions: number;
  /** Width C. */
  nEmbd: number;
  nLayer: number;
  /** Heads H; head size D = C / H. */
  nHead: number;
  /** TF-style LayerNorm epsilon (inside the square root). */
  layerNormEpsilon: number;
}

export const GPT2_SMALL: Gpt2Config = { vocabSize: 50257, nPositions: 1024, nEmbd: 768, nLayer: 12, nHead: 12, layerNormEpsilon: 1e-5 };
export const GPT2_MEDIUM: Gpt2Config = { ...GPT2_SMALL, nEmbd: 1024, nLayer: 24, nHead: 16 };
export const GPT2_LARGE: Gpt2Config = { ...GPT2_SMALL, nEmbd: 1280, nLayer: 36, nHead: 20 };
/** A tiny model with GPT-2's vocabulary (for tests against real tokenizers). */
export const GPT2_TINY: Gpt2Config = { ...GPT2_SMALL, nPositions: 128, nEmbd: 64, nLayer: 2, nHead: 4 };

/** Presets by name (`model_card` gpt2.sm / gpt2.md / gpt2.lg in the reference scripts). */
export const GPT2_PRESETS = {
  'gpt2-small': GPT2_SMALL,
  'gpt2-medium': GPT2_MEDIUM,
  'gpt2-large': GPT2_LARGE,
  'gpt2-tiny': GPT2_TINY,
} as const satisfies Record<string, Gpt2Config>;

export type Gpt2PresetName = keyof typeof GPT2_PRESETS;

/** LoRA as the paper puts it on GPT-2: rank-`rank` adapters on the query and value slices of every `c_attn`. */
export interface Gpt2LoraConfig {
  rank: number;
  alpha: number;
  /** Dropout on the LoRA branch input (training only). */
  dropout: number;
}

/** The slices of `c_attn` = [q | k | v] that get an adapter: query and value (LoRA §7.1). */
export const DEFAULT_LORA_TARGETS: readonly boolean[] = [true, false, true];

/** Head size D = C / H; throws when C is not divisible by H. */
export function headSize(config: Gpt2Config): number {
  if (config.nEmbd % config.nHead !== 0) throw new Error(`GPT-2 config: nEmbd ${config.nEmbd} is not divisible by nHead ${config.nHead}`);
  return config.nEmbd / config.nHead;
}

/** Reads an HF `config.json` object (`n_embd`, `n_layer`, `n_head`, `vocab_size`, `n_positions`, …). */
export function configFromHf(json: unknown, where = 'config.json'): Gpt2Config {
  if (typeof json !== 'object' || json === null) throw new Error(`${where}: expected a JSON object`);
  const j = json as Record<string, unknown>;
  const int = (key: string, fallback?: number): number => {
    const v = j[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new Error(`${where}: "${key}" must be a positive integer (got ${JSON.stringify(v)})`);
    return v;
  };
  if (j.model_type !== undefined && j.model_type !== 'gpt2') throw new Error(`${where}: model_type is "${String(j.model_type)}", expected "gpt2"`);
  const act = j.activation_function;
  if (act !== undefined && act !== 'gelu_new' && act !== 'gelu_pytorch_tanh') {
    throw new Error(`${where}: activation_function "${String(act)}" is not GPT-2's tanh GELU`);
  }
  const eps = j.layer_norm_epsilon ?? 1e-5;
  if (typeof eps !== 'number' || !(eps > 0)) throw new Error(`${where}: layer_norm_epsilon must be a positive number`);
  const config: Gpt2Config = {
    vocabSize: int('vocab_size', 50257),
    nPositions: int('n_positions', typeof j.n_ctx === 'number' ? j.n_ctx : 1024),
    nEmbd: int('n_embd', 768),
    nLayer: int('n_layer', 12),
    nHead: int('n_head', 12),
    layerNormEpsilon: eps,
  };
  headSize(config);
  return config;
}

/** The HF `config.json` object for a config (what `save` writes beside the weights). */
export function configToHf(config: Gpt2Config): Record<string, unknown> {
  return {
    architectures: ['GPT2LMHeadModel'],
    model_type: 'gpt2',
    activation_function: 'gelu_new',
    vocab_size: config.vocabSize,
    n_positions: config.nPositions,
    n_ctx: config.nPositions,
    n_embd: config.nEmbd,
    n_layer: config.nLayer,
    n_head: config.nHead,
    layer_norm_epsilon: config.layerNormEpsilon,
    initializer_range: 0.02,
    bos_token_id: 50256,
    eos_token_id: 50256,
  };
}
