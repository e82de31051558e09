// Chooses and initialises the tfjs backend once per process, with tfjs's gradients registered.
import * as tf from '@tensorflow/tfjs';
import { registerTorchBackend, torchAvailability } from '@lorats/tfjs-backend-torch';

import { BACKEND_NAMES, isBackendName } from './backends.js';
import type { BackendName, SetupOptions } from './backends.js';

/** What setupBackend chose. */
export interface BackendSetup {
  backend: BackendName;
  device: string;
  /** One line for logs and run records, e.g. `torch on cuda:0 (libtorch 2.11.0)`. */
  description: string;
  /** Why the fastest backend was not used, when it was not. */
  fallbackReason?: string;
}

/** Printed when the torch backend is not available; its build script ships in the npm package (`scripts/build-native.mjs`). */
export const FALLBACK_NOTICE =
  'lorats: using the slow tfjs cpu backend; for the fast torch backend install libtorch (apt-get install libtorch-dev, ' +
  'or pip install torch) and build its addon: `node node_modules/@lorats/tfjs-backend-torch/scripts/build-native.mjs` ' +
  'from your project (in the lorats repository: `pnpm --filter @lorats/tfjs-backend-torch build:native`)';

/** Stops tfjs's cpu backend from printing its "install tfjs-node" hint (a private flag set once per backend). */
export function quietCpuBackend(): void {
  const cpu = tf.engine().findBackend('cpu');
  if (cpu && 'firstUse' in cpu) Reflect.set(cpu, 'firstUse', false);
}

let current: { key: string; setup: BackendSetup } | undefined;

function envBackend(): BackendName | undefined {
  const v = process.env.LORATS_BACKEND;
  if (v === undefined || v === '') return undefined;
  if (!isBackendName(v)) throw new Error(`LORATS_BACKEND must be one of ${BACKEND_NAMES.join(', ')} (got ${v})`);
  return v;
}

async function setTfBackend(name: string): Promise<void> {
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tfjs could not initialise the ${name} backend`);
  await tf.ready();
}

async function setupTorch(device: string | undefined, bf16: boolean): Promise<BackendSetup> {
  const info = registerTorchBackend({ device, bf16 });
  await setTfBackend('torch');
  quietCpuBackend();
  return { backend: 'torch', device: info.device, description: `torch on ${info.device} (libtorch ${info.torchVersion}${bf16 ? ', bf16 autocast' : ''})` };
}

async function setupCpu(device: string | undefined, fallbackReason?: string): Promise<BackendSetup> {
  if (device !== undefined && device !== 'cpu') throw new Error(`--device ${device} needs --backend torch (the cpu backend runs on the CPU only)`);
  await setTfBackend('cpu');
  quietCpuBackend();
  return { backend: 'cpu', device: 'cpu', description: 'cpu (tfjs, pure JS)', ...(fallbackReason && { fallbackReason }) };
}

async function importOptional(names: string[], what: string): Promise<string> {
  const errors: string[] = [];
  for (const name of names) {
    try {
      await import(name);
      return name;
    } catch (e) {
      errors.push(`${name}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
    }
  }
  throw new Error(`${what} (${errors.join('; ')})`);
}

async function setupTensorflow(device: string | undefined): Promise<BackendSetup> {
  const wantsGpu = device === undefined || device.startsWith('cuda') || device === 'gpu';
  const names = wantsGpu ? ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] : ['@tensorflow/tfjs-node'];
  const used = await importOptional(names, '--backend tensorflow needs @tensorflow/tfjs-node or @tensorflow/tfjs-node-gpu installed (npm i @tensorflow/tfjs-node)');
  await setTfBackend('tensorflow');
  return { backend: 'tensorflow', device: used.endsWith('-gpu') ? 'gpu' : 'cpu', description: `tensorflow (${used})` };
}

interface WebGpuModule {
  create(options: string[]): unknown;
  globals: Record<string, unknown>;
}

function isWebGpuModule(m: unknown): m is WebGpuModule {
  return typeof m === 'object' && m !== null && 'create' in m && typeof m.create === 'function' && 'globals' in m;
}

async function setupWebgpu(): Promise<BackendSetup> {
  const hint = '--backend webgpu needs the optional packages webgpu and @tensorflow/tfjs-backend-webgpu';
  let dawn: unknown;
  const dawnPackage = 'webgpu';
  try {
    dawn = await import(dawnPackage);
  } catch (e) {
    throw new Error(`${hint} (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`);
  }
  if (!isWebGpuModule(dawn)) throw new Error(`${hint} (the webgpu package has no create/globals)`);
  // Node has no navigator.gpu: install Dawn's as a shim before tfjs's webgpu backend looks for it.
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create([]);
  const nav = Reflect.get(globalThis, 'navigator');
  if (typeof nav === 'object' && nav !== null) Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true });
  await importOptional(['@tensorflow/tfjs-backend-webgpu'], hint);
  try {
    await setTfBackend('webgpu');
  } catch (e) {
    throw new Error(`${e instanceof Error ? e.message : String(e)}: Dawn found no usable GPU adapter (it needs Vulkan, Metal or D3D12)`);
  }
  return { backend: 'webgpu', device: 'gpu', description: 'webgpu (Dawn)' };
}

/**
 * Sets up tfjs (gradients, backends) and selects a backend: the one asked for, else LORATS_BACKEND, else the fastest
 * available (torch, then cpu with a one-line notice). Calling again with the same options returns the same setup.
 */
export async function setupBackend(options: SetupOptions = {}): Promise<BackendSetup> {
  const backend = options.backend ?? envBackend();
  const device = options.device ?? (process.env.LORATS_DEVICE || undefined);
  const bf16 = options.bf16 ?? false;
  const key = JSON.stringify([backend, device, bf16]);
  if (current?.key === key && tf.getBackend() === current.setup.backend) return current.setup;
  let setup: BackendSetup;
  switch (backend) {
    case 'torch':
      setup = await setupTorch(device, bf16);
      break;
    case 'cpu':
      setup = await setupCpu(device);
      break;
    case 'tensorflow':
      setup = await setupTensorflow(device);
      break;
    case 'webgpu':
      setup = await setupWebgpu();
      break;
    case undefined: {
      const torch = torchAvailability();
      if (torch.available) setup = await setupTorch(device, bf16);
      else {
        setup = await setupCpu(device, torch.reason);
        if (!options.quiet) console.warn(`${FALLBACK_NOTICE} (${torch.reason})`);
      }
      break;
    }
  }
  current = { key, setup };
  return setup;
}
