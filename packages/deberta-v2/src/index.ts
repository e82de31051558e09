// @lorats/deberta-v2: DeBERTa-v2 encoders and GLUE classifiers with LoRA, loading HF checkpoints and adapters.
export { DEBERTA_LORA, DEBERTA_V2_XXLARGE, DEFAULT_LORA_TARGETS, debertaV2ConfigFromHf } from './config.js';
export type { DebertaActivation, DebertaV2Config } from './config.js';
export {
  ContextPooler,
  Conv1d,
  ConvLayer,
  DebertaV2Attention,
  DebertaV2Embeddings,
  DebertaV2Encoder,
  DebertaV2ForSequenceClassification,
  DebertaV2Intermediate,
  DebertaV2Layer,
  DebertaV2Model,
  DebertaV2SublayerOutput,
  DisentangledSelfAttention,
  activation,
  attentionSpan,
  logBucketPosition,
  relativeRows,
  relativeShift,
  relativePosition,
} from './model.js';
export type { EncoderInputs, RelativeRows } from './model.js';
export { initWeights } from '@lorats/core';
export {
  adapterStateDict,
  applyLoraAdapter,
  coreStateDict,
  debertaHeadGroup,
  debertaKey,
  labelsInConfig,
  loadDebertaV2,
  readHfWeights,
  readJson,
  readLoraAdapter,
} from './load-checkpoint.js';
export type { ApplyAdapterOptions, LoadDebertaOptions, LoadReport, LoraAdapterFile } from './load-checkpoint.js';
export { DebertaV2Tokenizer } from './tokenizer.js';
