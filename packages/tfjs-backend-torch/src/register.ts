// Registers the `torch` backend and its kernels with tfjs.
import { getKernel, registerBackend, registerKernel, removeBackend, engine } from '@tensorflow/tfjs-core';
import { availableParallelism } from 'node:os';

import { loadAddon } from './addon.js';
import type { NativeStats, TorchAddon } from './addon.js';
import { TorchBackend } from './backend.js';
import { fallbackKernels } from './kernels/fallback.js';
import { BACKEND_NAME } from './kernels/kernel.js';
import { nativeKernels } from './kernels/index.js';

export interface TorchBackendOptions {
  /** `cpu` or `cuda:N`; default `cuda:0` when libtorch sees a GPU, else `cpu`. */
  device?: string;
  /** Backend priority for tfjs's automatic choice (default 3, above cpu's 1). */
  priority?: number;
  /** Compute matmuls and attention in bf16 on CUDA (inputs and outputs stay float32). Default false. */
  bf16?: boolean;
  /** TF32 for float32 matmuls and convolutions on CUDA. Default true. */
  tf32?: boolean;
  /**
   * Intra-op CPU threads; default LORATS_TORCH_THREADS, else one fewer than the cores (at least 1): the JS thread
   * that dispatches kernels needs a core of its own, and OpenMP threads competing for it slow every op (measured on
   * 2 cores: a 2-layer GPT-2 LoRA step takes 0.062 s with 1 thread, 0.115 s with 2).
   */
  threads?: number;
}

export interface TorchBackendInfo {
  device: string;
  torchVersion: string;
  cuda: boolean;
  cudaDevices: number;
  addonPath: string;
  nativeKernels: number;
  fallbackKernels: number;
}

let native: Set<string> | undefined;
let info: TorchBackendInfo | undefined;

/** Whether the addon loads (libtorch present and the addon built); `reason` says why not. */
export function torchAvailability(): { available: true } | { available: false; reason: string } {
  const load = loadAddon();
  return load.ok ? { available: true } : { available: false, reason: load.reason };
}

function requireAddon(): { addon: TorchAddon; path: string } {
  const load = loadAddon();
  if (!load.ok) throw new Error(`the torch backend is unavailable: ${load.reason}`);
  return load;
}

/** CPU threads when none are asked for: LORATS_TORCH_THREADS, else cores − 1 (at least 1). */
export function defaultThreads(): number {
  const fromEnv = process.env.LORATS_TORCH_THREADS;
  if (fromEnv !== undefined && fromEnv !== '') {
    const n = Number(fromEnv);
    if (!Number.isInteger(n) || n < 1) throw new Error(`LORATS_TORCH_THREADS must be a positive integer, got '${fromEnv}'`);
    return n;
  }
  return Math.max(1, availableParallelism() - 1);
}

/** Default device: the first GPU if libtorch has CUDA, else the CPU. */
export function defaultTorchDevice(): string {
  const { addon } = requireAddon();
  return addon.info().cudaDevices > 0 ? 'cuda:0' : 'cpu';
}

/**
 * Registers the `torch` backend (and its kernels, once). Call after importing `@tensorflow/tfjs` so that kernels
 * without a native implementation can fall back to the cpu backend. Re-registering replaces the backend (e.g. to
 * change device). Returns what was registered; throws when the addon is unavailable.
 */
export function registerTorchBackend(options: TorchBackendOptions = {}): TorchBackendInfo {
  const { addon, path } = requireAddon();
  const device = options.device ?? defaultTorchDevice();
  const threads = options.threads ?? defaultThreads();
  addon.setOptions({ bf16: options.bf16 ?? false, tf32: options.tf32 ?? true, threads });
  if (!native) {
    const kernels = nativeKernels(addon);
    native = new Set(kernels.map((k) => k.kernelName));
    for (const k of kernels) if (!getKernel(k.kernelName, BACKEND_NAME)) registerKernel(k);
  }
  let fallbacks = 0;
  for (const k of fallbackKernels(native)) {
    if (getKernel(k.kernelName, BACKEND_NAME)) continue;
    registerKernel(k);
    fallbacks++;
  }
  if (engine().registryFactory[BACKEND_NAME]) removeBackend(BACKEND_NAME);
  // Validate the device now, so a bad --device fails here rather than at the first op.
  const backend = new TorchBackend(addon, device);
  registerBackend(BACKEND_NAME, () => backend, options.priority ?? 3);
  const nativeInfo = addon.info();
  info = {
    device: backend.device,
    torchVersion: nativeInfo.torchVersion,
    cuda: nativeInfo.cuda,
    cudaDevices: nativeInfo.cudaDevices,
    addonPath: path,
    nativeKernels: native.size,
    fallbackKernels: fallbacks + (info?.fallbackKernels ?? 0),
  };
  return info;
}

/** Names of the kernels with a native libtorch implementation (empty before registration). */
export function nativeKernelNames(): string[] {
  return [...(native ?? [])].sort();
}

/** Changes the bf16 autocast / TF32 settings of the registered backend. */
export function setTorchOptions(options: Pick<TorchBackendOptions, 'bf16' | 'tf32' | 'threads'>): void {
  requireAddon().addon.setOptions(options);
}

export { TorchBackend };

/** The addon's live tensors/bytes and, on CUDA, the caching allocator's allocated/peak/reserved bytes. */
export function torchMemoryStats(): NativeStats {
  return requireAddon().addon.stats();
}

/**
 * Attention gradients so far by path: libtorch's fused kernels called directly (CUDA), recomputing the forward
 * (`direct`) or reusing the forward's output and log-sum-exp (`reused`), or SDPA under autograd (`autograd`).
 */
export function torchAttentionStats(): { direct: number; reused: number; autograd: number; lastFallback: string } {
  return requireAddon().addon.attentionStats();
}

/** Starts a new peak for `torchMemoryStats().devicePeak` (CUDA). */
export function resetTorchPeakMemory(): void {
  requireAddon().addon.resetPeak();
}

/** Waits until queued device work is done (for timing); no-op on the CPU. */
export function syncTorch(): void {
  requireAddon().addon.sync();
}
