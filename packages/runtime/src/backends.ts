// The backends lorats can run on, and the command-line options that choose one.

/** tfjs backends lorats sets up: `torch` (libtorch addon), `cpu` (pure JS), `webgpu` (Dawn), `tensorflow` (tfjs-node). */
export const BACKEND_NAMES = ['torch', 'cpu', 'webgpu', 'tensorflow'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export function isBackendName(name: string): name is BackendName {
  return (BACKEND_NAMES as readonly string[]).includes(name);
}

/** A command-line option, shaped like the CLI's OptionSpec (plain data: runtime does not depend on the CLI). */
export interface BackendOptionSpec {
  name: string;
  type: 'string' | 'boolean';
  description: string;
  choices?: readonly string[];
  value?: string;
}

/** `--backend`, `--device` and `--bf16`, shared by every app and CLI command that runs a model. */
export const BACKEND_OPTIONS: readonly BackendOptionSpec[] = [
  {
    name: 'backend',
    type: 'string',
    choices: BACKEND_NAMES,
    value: 'NAME',
    description: 'tfjs backend: torch (libtorch; default when built), cpu, webgpu or tensorflow (needs @tensorflow/tfjs-node)',
  },
  { name: 'device', type: 'string', value: 'DEVICE', description: 'device for the torch backend: cpu or cuda:N (default: cuda:0 when available)' },
  { name: 'bf16', type: 'boolean', description: 'torch backend on CUDA: compute matmuls and attention in bf16 (autocast)' },
];

export interface SetupOptions {
  /** Default: LORATS_BACKEND, else the fastest available (torch, then cpu). */
  backend?: BackendName;
  /** `cpu` or `cuda:N` (torch; tensorflow picks tfjs-node-gpu for cuda). Default: LORATS_DEVICE, else the backend's. */
  device?: string;
  /** bf16 autocast for matmuls and attention (torch on CUDA). Default false. */
  bf16?: boolean;
  /** Suppress the one-line notice printed when falling back to the cpu backend. */
  quiet?: boolean;
}

/** Reads `--backend/--device/--bf16` values (as parsed by the CLI) into SetupOptions; throws on a bad backend name. */
export function backendOptionsFromArgs(options: Readonly<Record<string, unknown>>): SetupOptions {
  const backend = options.backend;
  const device = options.device;
  const out: SetupOptions = {};
  if (backend !== undefined) {
    if (typeof backend !== 'string' || !isBackendName(backend))
      throw new Error(`--backend must be one of ${BACKEND_NAMES.join(', ')} (got ${String(backend)})`);
    out.backend = backend;
  }
  if (device !== undefined) {
    if (typeof device !== 'string' || device === '') throw new Error('--device needs a value such as cpu or cuda:0');
    out.device = device;
  }
  if (options.bf16 === true) out.bf16 = true;
  return out;
}
