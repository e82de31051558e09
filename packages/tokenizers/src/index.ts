export type { TextTokenizer } from './tokenizer.js';
export { ByteLevelBpe, GPT2_SPLIT_PATTERN, bytesToUnicode, bytesToUnicodeOrder, parseMerges } from './byte-level-bpe.js';
export type { ByteLevelBpeOptions } from './byte-level-bpe.js';
export { HfTokenizer } from './hf-tokenizer.js';
export { trainByteLevelBpe, bpeTokenizer, formatEncoderJson, formatMerges } from './bpe-train.js';
export type { BpeModel, TrainBpeOptions } from './bpe-train.js';
