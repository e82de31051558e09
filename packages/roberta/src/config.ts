// RoBERTa architecture settings (Liu et al. 2019, arXiv:1907.11692), named as in HF's RobertaConfig (config.json)
// but in camelCase, with the presets the LoRA paper fine-tunes.

/** The encoder's shape and regularisation; the fields of HF `config.json` that change the computation. */
export interface RobertaConfig {
  vocabSize: number;
  /** C: the model width. */
  hiddenSize: number;
  numHiddenLayers: number;
  /** H: attention heads (head size C / H). */
  numAttentionHeads: number;
  intermediateSize: number;
  /** 'gelu' (exact erf, HF's default), 'gelu_new' / 'gelu_pytorch_tanh' (tanh), or 'relu'. */
  hiddenAct: 'gelu' | 'gelu_new' | 'gelu_pytorch_tanh' | 'relu';
  hiddenDropoutProb: number;
  attentionProbsDropoutProb: number;
  /** Position table rows; RoBERTa positions start at padTokenId + 1, so 514 rows hold 512 tokens. */
  maxPositionEmbeddings: number;
  typeVocabSize: number;
  layerNormEps: number;
  padTokenId: number;
  bosTokenId: number;
  eosTokenId: number;
  /** Dropout of the classification head; null means hiddenDropoutProb (HF's classifier_dropout). */
  classifierDropout: number | null;
}

/** roberta-base (125M parameters). */
export const ROBERTA_BASE: RobertaConfig = {
  vocabSize: 50265,
  hiddenSize: 768,
  numHiddenLayers: 12,
  numAttentionHeads: 12,
  intermediateSize: 3072,
  hiddenAct: 'gelu',
  hiddenDropoutProb: 0.1,
  attentionProbsDropoutProb: 0.1,
  maxPositionEmbeddings: 514,
  typeVocabSize: 1,
  layerNormEps: 1e-5,
  padTokenId: 1,
  bosTokenId: 0,
  eosTokenId: 2,
  classifierDropout: null,
};

/** roberta-large (355M parameters). */
export const ROBERTA_LARGE: RobertaConfig = {
  ...ROBERTA_BASE,
  hiddenSize: 1024,
  numHiddenLayers: 24,
  numAttentionHeads: 16,
  intermediateSize: 4096,
};

/** The LoRA paper's adapter on RoBERTa (examples/NLU): rank 8, alpha 16 on query and value, merged on eval. */
export const DEFAULT_LORA_TARGETS = ['query', 'value'] as const;
export const ROBERTA_LORA = { rank: 8, alpha: 16, dropout: 0, targets: DEFAULT_LORA_TARGETS } as const;

const ACTIVATIONS = ['gelu', 'gelu_new', 'gelu_pytorch_tanh', 'relu'] as const;

/** Reads HF `config.json` content into a `RobertaConfig`; `source` names the file in errors. */
export function robertaConfigFromHf(json: unknown, source = 'config.json'): RobertaConfig {
  if (typeof json !== 'object' || json === null) throw new Error(`${source}: not a JSON object`);
  const o = json as Record<string, unknown>;
  const num = (key: string, fallback?: number): number => {
    const v = o[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${source}: "${key}" must be a number (got ${JSON.stringify(o[key])})`);
    return v;
  };
  const act = o.hidden_act ?? 'gelu';
  if (typeof act !== 'string' || !(ACTIVATIONS as readonly string[]).includes(act)) {
    throw new Error(`${source}: hidden_act ${JSON.stringify(act)} is not supported (${ACTIVATIONS.join(', ')})`);
  }
  const posType = o.position_embedding_type ?? 'absolute';
  if (posType !== 'absolute') throw new Error(`${source}: position_embedding_type ${JSON.stringify(posType)} is not supported (absolute)`);
  const config: RobertaConfig = {
    vocabSize: num('vocab_size'),
    hiddenSize: num('hidden_size'),
    numHiddenLayers: num('num_hidden_layers'),
    numAttentionHeads: num('num_attention_heads'),
    intermediateSize: num('intermediate_size'),
    hiddenAct: act as RobertaConfig['hiddenAct'],
    hiddenDropoutProb: num('hidden_dropout_prob', 0.1),
    attentionProbsDropoutProb: num('attention_probs_dropout_prob', 0.1),
    maxPositionEmbeddings: num('max_position_embeddings', 514),
    typeVocabSize: num('type_vocab_size', 1),
    layerNormEps: num('layer_norm_eps', 1e-5),
    padTokenId: num('pad_token_id', 1),
    bosTokenId: num('bos_token_id', 0),
    eosTokenId: num('eos_token_id', 2),
    classifierDropout: o.classifier_dropout == null ? null : num('classifier_dropout'),
  };
  if (config.hiddenSize % config.numAttentionHeads !== 0) {
    throw new Error(`${source}: hidden_size ${config.hiddenSize} is not a multiple of num_attention_heads ${config.numAttentionHeads}`);
  }
  return config;
}
