// @lorats/roberta: RoBERTa encoders and GLUE classifiers with LoRA, loading HF checkpoints and adapters.
export { ROBERTA_BASE, ROBERTA_LARGE, ROBERTA_LORA, DEFAULT_LORA_TARGETS, robertaConfigFromHf } from './config.js';
export type { RobertaConfig } from './config.js';
export {
  RobertaAttention,
  RobertaClassificationHead,
  RobertaEmbeddings,
  RobertaEncoder,
  RobertaForSequenceClassification,
  RobertaIntermediate,
  RobertaLayer,
  RobertaModel,
  RobertaSelfAttention,
  RobertaSublayerOutput,
  activation,
  additiveMask,
  positionIds,
} from './model.js';
export { initWeights, sequenceClassificationLoss } from '@lorats/core';
export type { EncoderInputs } from './model.js';
export {
  adapterStateDict,
  applyLoraAdapter,
  coreStateDict,
  labelsInConfig,
  loadRoberta,
  readHfWeights,
  readJson,
  readLoraAdapter,
  robertaHeadGroup,
  robertaKey,
} from './load-checkpoint.js';
export type { ApplyAdapterOptions, LoadReport, LoadRobertaOptions, LoraAdapterFile } from './load-checkpoint.js';
export { ROBERTA_SPECIAL_TOKENS, RobertaTokenizer } from './tokenizer.js';
