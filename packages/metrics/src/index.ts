// @lorats/metrics: BLEU/chrF/TER as sacrebleu computes them, the E2E and WebNLG/DART scorers, and GLUE metrics.
export { Bleu, computeBleu, corpusBleu, sentenceBleu, SMOOTH_METHODS } from './bleu.js';
export type { BleuOptions, BleuScore, ReferenceStreams, SmoothMethod } from './bleu.js';
export { Chrf, corpusChrf, sentenceChrf } from './chrf.js';
export type { ChrfOptions, ChrfScore } from './chrf.js';
export { Ter, corpusTer, sentenceTer, tercomTokenize } from './ter.js';
export type { TerOptions, TerScore } from './ter.js';
export { translationEditRate } from './tercom.js';
export { formatResults, formatScore, SACREBLEU_VERSION } from './signature.js';
export type { MetricScore, Signature, SignatureField } from './signature.js';
export { getTokenizer, TOKENIZERS } from './tokenizers/index.js';
export type { TokenizerName } from './tokenizers/index.js';
export { tokenize13a } from './tokenizers/13a.js';
export { tokenizeIntl } from './tokenizers/intl.js';
export { tokenizeChar } from './tokenizers/char.js';
export { checkNotEmpty, checkSameLength, decodeUtf8, MetricInputError, readSegments, readText, splitNewlines } from './input.js';
export {
  accuracy,
  argmaxRows,
  averageRanks,
  combinedScore,
  f1Binary,
  GLUE_TASKS,
  glueMetric,
  matthewsCorrelation,
  mnliAccuracy,
  pearson,
  spearman,
} from './glue.js';
export type { GlueTask } from './glue.js';
