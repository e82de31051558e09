// @lorats/checkpoints: safetensors, PyTorch (zip and legacy) and PEFT adapter files, read lazily and written atomically.
export type { DType, HostTensor, StateDict, TensorData } from './dtype.js';
export { DTYPES, contiguousStrides, dtypeSize, fromSafetensorsDType, isDType, numel, toSafetensorsDType } from './dtype.js';
export { bfloat16BitsToFloat32, float32ToBFloat16Bits, float32ToHalfBits, halfBitsToFloat32 } from './half.js';
export { castTensor, tensorProblem, tensorSum, toFloat32 } from './tensor.js';
export {
  CheckpointError,
  CorruptCheckpointError,
  InvalidTensorError,
  MissingEntryError,
  TruncatedCheckpointError,
  UnsafePickleError,
  UnsupportedDTypeError,
  UnsupportedFormatError,
} from './errors.js';
export type { ByteSource } from './source.js';
export { bufferSource, fileSource } from './source.js';
export type { ByteSink, FolderFile } from './atomic-write.js';
export { writeFileAtomic, writeFolderAtomic } from './atomic-write.js';
export type { CheckpointFormat, CheckpointReader, ReadOptions, TensorInfo } from './reader.js';
export type { SafetensorsWriteOptions } from './safetensors.js';
export { MAX_SAFETENSORS_HEADER, SafetensorsReader, loadSafetensors, serializeSafetensors, writeSafetensors } from './safetensors.js';
export type { PyValue } from './pickle.js';
export { PyCallable, PyDict, PyList, PyOpaque, PyTuple } from './pickle.js';
export { StorageRef, TensorRef } from './torch-pickle.js';
export { TorchReader } from './torch-reader.js';
export type { TorchDict, TorchValue, TorchWriteOptions } from './torch-zip.js';
export { openTorchZip, serializeTorch, writeTorch } from './torch-zip.js';
export { LEGACY_MAGIC, openTorchLegacy } from './torch-legacy.js';
export type { SaveFormat, SaveOptions } from './checkpoint.js';
export { formatForPath, loadCheckpoint, openCheckpoint, openCheckpointBytes, saveCheckpoint, sniffFormat } from './checkpoint.js';
export { labelsInConfig, readHfWeights, readJson } from './hf-folder.js';
export type { LoraAdapterFile } from './lora-adapter.js';
export { readLoraAdapter } from './lora-adapter.js';
export type { LoraModule, LoraWeights } from './lora.js';
export { collapseMerged, expandMerged, loraScaling } from './lora.js';
export type { LoralibOptions } from './loralib.js';
export { EMBEDDING_NAMES, loralibStateDict, loralibWeights, readLoralib, unwrapStateDict } from './loralib.js';
export type { AdapterConfigJson, PeftAdapter, PeftFromLoraOptions, PeftKey, PeftTensorRole, ReadPeftResult, WritePeftOptions } from './peft.js';
export {
  ADAPTER_BIN_NAME,
  ADAPTER_CONFIG_NAME,
  ADAPTER_SAFETENSORS_NAME,
  MERGED_METADATA_KEY,
  isPeftFolder,
  loraFromPeft,
  parsePeftKey,
  peftFromLora,
  peftKey,
  readPeftAdapter,
  writePeftAdapter,
} from './peft.js';
export type { JsonValue, PythonJsonOptions } from './python-json.js';
export { pythonJsonDumps } from './python-json.js';
