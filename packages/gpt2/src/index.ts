export { GPT2_SMALL, GPT2_MEDIUM, GPT2_LARGE, GPT2_TINY, GPT2_PRESETS, DEFAULT_LORA_TARGETS, headSize, configFromHf, configToHf } from './config.js';
export type { Gpt2Config, Gpt2LoraConfig, Gpt2PresetName } from './config.js';
export { Gpt2LMModel, Gpt2Model, initGpt2Weights } from './model.js';
export type { KvCache, LmBatchLike, LossOptions } from './model.js';
export { beamSearch, bannedNgramTokens, generate } from './generate.js';
export type { IncrementalModel, BeamSearchOptions, BeamResult, SampleOptions } from './generate.js';
export { gpt2Key, readGpt2Weights, inferGpt2Config, loadGpt2StateDict, loadGpt2, readGpt2Adapter, applyGpt2Adapter } from './load-checkpoint.js';
export type { LoadGpt2Options } from './load-checkpoint.js';
export { loadGpt2Tokenizer, GPT2_EOS, GPT2_DOUBLE_NEWLINE } from './tokenizer.js';
