// @lorats/core: loralib's LoRA (and PEFT's adapter features) for TensorFlow.js, over @tensorflow/tfjs-core.
export { Module, ModuleList, Sequential, stateDictEntries, toTensor } from './module.js';
export type { HostData, HostDType, HostTensor, HostTensorLike, LoadStateDictOptions, LoadStateDictResult, StateDict, StateDictValue } from './module.js';
export { coreStateDict, toHostTensor, toHostTensors } from './host.js';
export { fanIn, kaimingUniform, manualSeed, mulberry32, nextSeed, normal, uniform } from './init.js';
export { initWeights } from './init-weights.js';
export { Dropout, dropoutMask } from './dropout.js';
export type { DropoutOptions } from './dropout.js';
export { adapterParameterName, DEFAULT_ADAPTER, LoraLayer, loraScaling, stopGradient } from './adapters.js';
export type { AdapterInit, AdapterOptions, LoraAdapter, LoraInit } from './adapters.js';
export { Linear, linear } from './linear.js';
export type { LinearOptions } from './linear.js';
export { MergedLinear } from './merged-linear.js';
export type { MergedLinearOptions } from './merged-linear.js';
export { Embedding } from './embedding.js';
export type { EmbeddingOptions } from './embedding.js';
export { Conv1d, Conv2d, Conv3d, ConvNd } from './conv.js';
export type { ConvOptions } from './conv.js';
export { LayerNorm } from './layer-norm.js';
export type { LayerNormOptions } from './layer-norm.js';
export { checkBiasMode, countParameters, isLoraKey, markOnlyLoraAsTrainable, namedTrainableVariables, trainableVariables } from './trainable.js';
export type { BiasMode } from './trainable.js';
export { loraStateDict } from './state-dict.js';
export { adapterStateDict, applyLoraAdapter } from './adapter-file.js';
export type { ApplyAdapterOptions, LoraAdapterTensors } from './adapter-file.js';
export { sequenceClassificationLoss } from './loss.js';
export { loraConfigFromPeft, loraConfigToPeft } from './config.js';
export type { JsonValue, LoraConfig, PeftAdapterConfig } from './config.js';
export { adapterConfigs, findModulesToSave, findTargets, injectLora, markAdaptersTrainable, matchesName, matchesTargets, patternValue } from './inject.js';
export {
  adapterNames,
  deleteAdapter,
  disableAdapters,
  enableAdapters,
  loraLayers,
  mergeAdapters,
  mergeAndUnload,
  setActiveAdapter,
  unload,
  unmergeAdapters,
  withAdaptersDisabled,
} from './model-adapters.js';
export { addWeightedAdapter } from './weighted.js';
export type { CombinationType } from './weighted.js';
export { loadPeftAdapter, loraKey, parsePeftKey, PEFT_PREFIX, peftAdapter, peftKey } from './peft.js';
export type { PeftAdapterData, PeftExportOptions, PeftLoadResult, PeftRole } from './peft.js';
export { svd, svdLowRank } from './svd.js';
export type { HostSvd } from './svd.js';
export { FUSED_KERNELS, fusedKernelsEnabled, setFusedKernelsEnabled, useFusedKernel } from './ops/kernels.js';
export { layerNorm } from './ops/layer-norm.js';
export { gelu } from './ops/gelu.js';
export type { GeluApproximate } from './ops/gelu.js';
export { attention, packedAttention } from './ops/attention.js';
export type { AttentionOptions } from './ops/attention.js';
export { loraLinear } from './ops/lora-linear.js';
export type { LoraLinearOptions } from './ops/lora-linear.js';
export { crossEntropy } from './ops/cross-entropy.js';
export type { CrossEntropyOptions } from './ops/cross-entropy.js';
