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
export { mtevalNormalize } from './mteval-tokenizer.js';
export type { WhitespaceFlavour } from './mteval-tokenizer.js';
export { PymtevalBleu, PymtevalNist, pymtevalTokenize } from './pymteval.js';
export { mtevalSgml, mtevalV13a } from './mteval-v13a.js';
export { nistLengthPenalty, nistLengthPenaltyPerl } from './nist.js';
export { COCO_PUNCTUATIONS, cocoTokenize, ptbLex } from './ptb-tokenizer.js';
export { corpusRougeL, lcsLength, rougeL } from './rouge.js';
export { corpusCider } from './cider.js';
export { Aligner, MODULES as METEOR_MODULES } from './meteor/aligner.js';
export type { AlignerOptions, Alignment as MeteorAlignment, MeteorModule } from './meteor/aligner.js';
export { FUNCTION_WORDS_EN, METEOR_EN, NONBREAKING_PREFIXES_EN } from './meteor/english.js';
export { runMeteorJar } from './meteor/jar.js';
export type { MeteorJarOptions } from './meteor/jar.js';
export { normalizeMeteorEn } from './meteor/normalizer.js';
export { loadParaphraseTable, ParaphraseTable } from './meteor/paraphrase.js';
export { addStats as addMeteorStats, alignmentStats, computeMeteor, emptyStats as emptyMeteorStats, Meteor } from './meteor/scorer.js';
export type { MeteorOptions, MeteorResult, MeteorStats } from './meteor/scorer.js';
export { stemEnglish } from './meteor/stemmer.js';
export { DEFAULT_WORDNET_DIR, SynonymDictionary, WordNetMissingError } from './meteor/wordnet.js';
export { cocoInputs, evaluateE2E, loadE2EData, meteorVocabulary, parseCsvLine, readE2ELines, readE2ETable, scoreE2E } from './e2e.js';
export type { E2EData, E2EOptions, E2EScores } from './e2e.js';
export { multiBleuDetok } from './multi-bleu-detok.js';
export type { MultiBleuResult } from './multi-bleu-detok.js';
export { nltkWordTokenize } from './nltk-tokenizer.js';
export { pyterTer } from './pyter.js';
export { evaluateWebNLG, loraDecodeTokenize, padReferences, readWebNLGFiles, scoreWebNLG } from './webnlg.js';
export type { WebNLGOptions, WebNLGScores } from './webnlg.js';
export { formatFixed, javaHashCode, pyFloatRepr, pyLower, pySplit, pySplitlines, pyStrip } from './text.js';
