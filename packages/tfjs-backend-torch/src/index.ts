export { addonPath, DTYPE_CODE, loadAddon } from './addon.js';
export type { AddonLoad, NativeInfo, NativeStats, TorchAddon } from './addon.js';
export { TorchBackend } from './backend.js';
export type { TorchMemoryInfo } from './backend.js';
export { BACKEND_NAME } from './kernels/kernel.js';
export {
  defaultThreads,
  defaultTorchDevice,
  nativeKernelNames,
  registerTorchBackend,
  resetTorchPeakMemory,
  setTorchOptions,
  syncTorch,
  torchAttentionStats,
  torchAvailability,
  torchMemoryStats,
} from './register.js';
export type { TorchBackendInfo, TorchBackendOptions } from './register.js';
