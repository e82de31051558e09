// DeBERTa-v2 architecture settings (He et al. 2021, arXiv:2006.03654), named as in HF's DebertaV2Config
// (config.json) but in camelCase, with the preset the LoRA paper fine-tunes.

export type DebertaActivation = 'gelu' | 'gelu_new' | 'gelu_pytorch_tanh' | 'relu' | 'tanh';

/** The encoder's shape, its relative-attention options and its regularisation. */
export interface DebertaV2Config {
  vocabSize: number;
  /** C: the model width. */
  hiddenSize: number;
  /** Width of the embedding table; projected to hiddenSize when different. */
  embeddingSize: number;
  numHiddenLayers: number;
  /** H: attention heads. */
  numAttentionHeads: number;
  /** D: head size (H·D need not equal C). */
  attentionHeadSize: number;
  intermediateSize: number;
  hiddenAct: DebertaActivation;
  hiddenDropoutProb: number;
  attentionProbsDropoutProb: number;
  maxPositionEmbeddings: number;
  /** 0: no token-type embeddings (DeBERTa-v2 XXL). */
  typeVocabSize: number;
  layerNormEps: number;
  padTokenId: number;
  /** Add absolute position embeddings to the input (false for DeBERTa-v2, which uses relative positions only). */
  positionBiasedInput: boolean;
  relativeAttention: boolean;
  /** Largest relative distance; < 1 means maxPositionEmbeddings. */
  maxRelativePositions: number;
  /** Log-bucket count for relative positions (≤ 0: no bucketing). */
  positionBuckets: number;
  /** Disentangled terms: content→position and position→content. */
  posAttType: ReadonlyArray<'c2p' | 'p2c'>;
  /** Project relative embeddings with the content key/query projections (no pos_key_proj / pos_query_proj). */
  shareAttKey: boolean;
  /** LayerNorm on the relative embedding table (`norm_rel_ebd: "layer_norm"`). */
  normRelEmbedding: boolean;
  /** Kernel of the convolution after the first layer (0: none). */
  convKernelSize: number;
  convGroups: number;
  convAct: DebertaActivation;
  poolerHiddenSize: number;
  poolerDropout: number;
  poolerHiddenAct: DebertaActivation;
  /** Dropout before the classifier; null means hiddenDropoutProb (examples/NLU's `--cls_dropout`). */
  clsDropout: number | null;
  initializerRange: number;
}

/** microsoft/deberta-v2-xxlarge (1.5B parameters). */
export const DEBERTA_V2_XXLARGE: DebertaV2Config = {
  vocabSize: 128100,
  hiddenSize: 1536,
  embeddingSize: 1536,
  numHiddenLayers: 48,
  numAttentionHeads: 24,
  attentionHeadSize: 64,
  intermediateSize: 6144,
  hiddenAct: 'gelu',
  hiddenDropoutProb: 0.1,
  attentionProbsDropoutProb: 0.1,
  maxPositionEmbeddings: 512,
  typeVocabSize: 0,
  layerNormEps: 1e-7,
  padTokenId: 0,
  positionBiasedInput: false,
  relativeAttention: true,
  maxRelativePositions: -1,
  positionBuckets: 256,
  posAttType: ['p2c', 'c2p'],
  shareAttKey: true,
  normRelEmbedding: true,
  convKernelSize: 3,
  convGroups: 1,
  convAct: 'gelu',
  poolerHiddenSize: 1536,
  poolerDropout: 0,
  poolerHiddenAct: 'gelu',
  clsDropout: null,
  initializerRange: 0.02,
};

/** The LoRA paper's adapter on DeBERTa (examples/NLU): rank 16, alpha 32 on query_proj and value_proj, not merged. */
export const DEFAULT_LORA_TARGETS = ['query_proj', 'value_proj'] as const;
export const DEBERTA_LORA = { rank: 16, alpha: 32, dropout: 0, targets: DEFAULT_LORA_TARGETS } as const;

const ACTIVATIONS = ['gelu', 'gelu_new', 'gelu_pytorch_tanh', 'relu', 'tanh'] as const;

/** Reads HF `config.json` content into a `DebertaV2Config`; `source` names the file in errors. */
export function debertaV2ConfigFromHf(json: unknown, source = 'config.json'): DebertaV2Config {
  if (typeof json !== 'object' || json === null) throw new Error(`${source}: not a JSON object`);
  const o = json as Record<string, unknown>;
  const num = (key: string, fallback?: number): number => {
    const v = o[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${source}: "${key}" must be a number (got ${JSON.stringify(o[key])})`);
    return v;
  };
  const bool = (key: string, fallback: boolean): boolean => {
    const v = o[key] ?? fallback;
    if (typeof v !== 'boolean') throw new Error(`${source}: "${key}" must be true or false (got ${JSON.stringify(v)})`);
    return v;
  };
  const act = (key: string, fallback: DebertaActivation): DebertaActivation => {
    const v = o[key] ?? fallback;
    if (typeof v !== 'string' || !(ACTIVATIONS as readonly string[]).includes(v)) {
      throw new Error(`${source}: ${key} ${JSON.stringify(v)} is not supported (${ACTIVATIONS.join(', ')})`);
    }
    return v as DebertaActivation;
  };
  const rawPos = o.pos_att_type ?? [];
  const posList = typeof rawPos === 'string' ? rawPos.toLowerCase().split('|').map((s) => s.trim()) : rawPos;
  if (!Array.isArray(posList) || posList.some((p) => p !== 'c2p' && p !== 'p2c')) {
    throw new Error(`${source}: pos_att_type ${JSON.stringify(rawPos)} must list c2p and/or p2c`);
  }
  const norm = String(o.norm_rel_ebd ?? 'none').toLowerCase().split('|').map((s) => s.trim());
  const hiddenSize = num('hidden_size');
  const heads = num('num_attention_heads');
  const config: DebertaV2Config = {
    vocabSize: num('vocab_size'),
    hiddenSize,
    embeddingSize: num('embedding_size', hiddenSize),
    numHiddenLayers: num('num_hidden_layers'),
    numAttentionHeads: heads,
    attentionHeadSize: num('attention_head_size', Math.floor(hiddenSize / heads)),
    intermediateSize: num('intermediate_size'),
    hiddenAct: act('hidden_act', 'gelu'),
    hiddenDropoutProb: num('hidden_dropout_prob', 0.1),
    attentionProbsDropoutProb: num('attention_probs_dropout_prob', 0.1),
    maxPositionEmbeddings: num('max_position_embeddings', 512),
    typeVocabSize: num('type_vocab_size', 0),
    layerNormEps: num('layer_norm_eps', 1e-7),
    padTokenId: num('pad_token_id', 0),
    positionBiasedInput: bool('position_biased_input', true),
    relativeAttention: bool('relative_attention', false),
    maxRelativePositions: num('max_relative_positions', -1),
    positionBuckets: num('position_buckets', -1),
    posAttType: posList as DebertaV2Config['posAttType'],
    shareAttKey: bool('share_att_key', false),
    normRelEmbedding: norm.includes('layer_norm'),
    convKernelSize: num('conv_kernel_size', 0),
    convGroups: num('conv_groups', 1),
    convAct: act('conv_act', 'tanh'),
    poolerHiddenSize: num('pooler_hidden_size', hiddenSize),
    poolerDropout: num('pooler_dropout', 0),
    poolerHiddenAct: act('pooler_hidden_act', 'gelu'),
    clsDropout: o.cls_dropout == null ? null : num('cls_dropout'),
    initializerRange: num('initializer_range', 0.02),
  };
  if (config.convKernelSize > 0 && config.convKernelSize % 2 === 0) {
    throw new Error(`${source}: conv_kernel_size ${config.convKernelSize} must be odd (padding (k − 1) / 2 keeps the length)`);
  }
  if (config.hiddenSize % config.convGroups !== 0) throw new Error(`${source}: hidden_size is not a multiple of conv_groups`);
  return config;
}
