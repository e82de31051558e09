export { BACKEND_NAMES, BACKEND_OPTIONS, backendOptionsFromArgs, isBackendName } from './backends.js';
export type { BackendName, BackendOptionSpec, SetupOptions } from './backends.js';
export { FALLBACK_NOTICE, quietCpuBackend, setupBackend } from './setup.js';
export type { BackendSetup } from './setup.js';
