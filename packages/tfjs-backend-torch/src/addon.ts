// Loads the native addon (build/lorats_torch.node, or LORATS_TORCH_ADDON) and describes its functions.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A tensor in the addon's handle table. */
export type Handle = number;
/** dtype codes shared with native/common.h. */
export const DTYPE_CODE = { float32: 0, int32: 1, bool: 2 } as const;
export type TorchDType = keyof typeof DTYPE_CODE;

export interface NativeStats {
  /** Live tensors in the handle table. */
  tensors: number;
  /** Bytes those tensors cover (views counted at their size). */
  bytes: number;
  /** Host-device synchronisations so far on CUDA (reads, index checks without host-known bounds, explicit syncs). */
  syncs: number;
  /** CUDA caching allocator: bytes allocated now, their peak, bytes reserved (CUDA builds only). */
  deviceAllocated?: number;
  devicePeak?: number;
  deviceReserved?: number;
}

export interface NativeInfo {
  torchVersion: string;
  cuda: boolean;
  cudaDevices: number;
  cudaBuild: boolean;
  device: string;
  threads: number;
}

/** The addon's functions (native/*.cc). Handles in, handles out; the output's dtype and shape land in `meta`. */
export interface TorchAddon {
  init(meta: Int32Array): void;
  setDevice(device: string): string;
  info(): NativeInfo;
  setOptions(options: { bf16?: boolean; tf32?: boolean; threads?: number }): void;
  fromData(values: Float32Array | Int32Array | Uint8Array, shape: readonly number[], dtype: number): Handle;
  toData(h: Handle): Float32Array | Int32Array | Uint8Array;
  release(h: Handle): void;
  describe(h: Handle): void;
  stats(): NativeStats;
  resetPeak(): void;
  sync(): void;
  emptyCache(): void;
  manualSeed(seed: number): void;

  unaryOps(): string[];
  unary(code: number, x: Handle, dtype: number): Handle;
  unaryParam(op: 'LeakyRelu' | 'Step' | 'ClipByValue', x: Handle, p0: number, p1: number, dtype: number): Handle;
  binaryOps(): string[];
  binary(code: number, a: Handle, b: Handle, dtype: number): Handle;
  addN(hs: Handle[]): Handle;
  reduceOps(): string[];
  reduce(code: number, x: Handle, axes: number[], keepDims: boolean, dtype: number): Handle;
  argMinMax(isMax: boolean, x: Handle, axis: number): Handle;
  softmax(x: Handle, dim: number, log: boolean): Handle;
  cumulative(isProd: boolean, x: Handle, axis: number, exclusive: boolean, reverse: boolean): Handle;
  cast(x: Handle, dtype: number): Handle;
  reshape(x: Handle, shape: readonly number[]): Handle;
  transpose(x: Handle, perm: readonly number[]): Handle;
  slice(x: Handle, begin: readonly number[], size: readonly number[]): Handle;
  stridedSlice(x: Handle, begin: number[], end: number[], strides: number[], finalShape: number[]): Handle;
  concat(hs: Handle[], axis: number): Handle;
  stack(hs: Handle[], axis: number): Handle;
  unstack(x: Handle, axis: number): Handle[];
  split(x: Handle, sizes: number[], axis: number): Handle[];
  tile(x: Handle, reps: readonly number[]): Handle;
  pad(x: Handle, before: number[], after: number[], value: number): Handle;
  reverse(x: Handle, dims: number[]): Handle;
  broadcastTo(x: Handle, shape: readonly number[]): Handle;
  fill(shape: readonly number[], value: number, dtype: number): Handle;
  range(start: number, step: number, n: number, dtype: number): Handle;
  linspace(start: number, stop: number, num: number): Handle;

  gather(x: Handle, indices: Handle, axis: number, batchDims: number): Handle;
  gatherNd(params: Handle, indices: Handle): Handle;
  scatterNd(indices: Handle, updates: Handle, shape: readonly number[]): Handle;
  tensorScatterUpdate(tensor: Handle, indices: Handle, updates: Handle): Handle;
  unsortedSegmentSum(x: Handle, segmentIds: Handle, numSegments: number): Handle;
  oneHot(indices: Handle, depth: number, on: number, off: number, dtype: number): Handle;
  select(condition: Handle, t: Handle, e: Handle): Handle;
  topk(x: Handle, k: number, sorted: boolean): Handle[];
  multinomial(logits: Handle, numSamples: number, seed: number, normalized: boolean): Handle;
  random(kind: 'uniform' | 'normal' | 'dropout', shape: readonly number[], a: number, b: number, seed: number): Handle;
  einsum(equation: string, hs: Handle[]): Handle;
  searchSorted(sorted: Handle, values: Handle, right: boolean): Handle;
  bandPart(x: Handle, lower: number, upper: number): Handle;

  matmul(a: Handle, b: Handle, transposeA: boolean, transposeB: boolean): Handle;
  conv(x: Handle, filter: Handle, ...conv: ConvArgs): Handle;
  convBackpropInput(dy: Handle, filter: Handle, inputShape: readonly number[], ...conv: ConvArgs): Handle;
  convBackpropFilter(x: Handle, dy: Handle, filterShape: readonly number[], ...conv: ConvArgs): Handle;
  layerNorm(x: Handle, gamma: Handle, beta: Handle, epsilon: number): Handle;
  layerNormGrad(dy: Handle, x: Handle, gamma: Handle, epsilon: number, paramGrads: boolean): Handle[];
  gelu(x: Handle, approximate: string): Handle;
  geluGrad(dy: Handle, x: Handle, approximate: string): Handle;
  linear(x: Handle, weight: Handle, bias: Handle, fanInFanOut: boolean, residual: Handle): Handle;
  /** [dx, dweight, dbias] and dresidual (= dy) when `residual` */
  linearGrad(dy: Handle, x: Handle, weight: Handle, fanInFanOut: boolean, weightGrad: boolean, biasGrad: boolean, residual: boolean): Handle[];
  /** enable: MergedLinear group flags (1/0), empty for a plain adapter */
  loraLinear(x: Handle, weight: Handle, bias: Handle, loraA: Handle, loraB: Handle, mask: Handle, scaling: number, fanInFanOut: boolean, enable: number[]): Handle;
  loraLinearGrad(
    dy: Handle, x: Handle, weight: Handle, loraA: Handle, loraB: Handle, mask: Handle, scaling: number, weightGrad: boolean, fanInFanOut: boolean, enable: number[],
    biasGrad: boolean,
  ): Handle[];
  crossEntropy(logits: Handle, labels: Handle, labelSmoothing: number): Handle;
  crossEntropyGrad(dy: Handle, logits: Handle, labels: Handle, labelSmoothing: number): Handle;
  adamw(params: Handle[], grads: Handle[], m: Handle[], v: Handle[], beta1: number, beta2: number, eps: number, stepSizes: number[], decays: number[]): Handle[];
  attention(q: Handle, k: Handle, v: Handle, mask: Handle, ...attn: AttentionArgs): Handle;
  attentionGrad(dy: Handle, q: Handle, k: Handle, v: Handle, mask: Handle, ...attn: AttentionArgs): Handle[];
  /** y, or [y, stats] when the gradient can reuse them (see native/nn.cc) */
  packedAttention(qkv: Handle, mask: Handle, heads: number, ...attn: AttentionArgs): Handle | Handle[];
  packedAttentionGrad(dy: Handle, qkv: Handle, mask: Handle, heads: number, causal: boolean, scale: number, dropout: number, seed: number, y: Handle, stats: Handle): Handle;
  /**
   * Attention gradients so far by path: libtorch's fused kernels called directly (CUDA), recomputing the forward or
   * reusing the forward's output and log-sum-exp, or SDPA under autograd.
   */
  attentionStats(): { direct: number; reused: number; autograd: number; lastFallback: string };
}

/** strides, padBefore, padAfter, dilations, depthwise, channelsLast */
export type ConvArgs = [number[], number[], number[], number[], boolean, boolean];
/** causal, scale, dropout, seed */
export type AttentionArgs = [boolean, number, number, number];

/** The result of looking for the addon: the module, or why it could not be loaded. */
export type AddonLoad = { ok: true; addon: TorchAddon; path: string } | { ok: false; reason: string };

const HERE = dirname(fileURLToPath(import.meta.url));

/** Where the addon is looked for: LORATS_TORCH_ADDON, else build/ in this package. */
export function addonPath(): string {
  return process.env.LORATS_TORCH_ADDON ?? resolve(join(HERE, '..', 'build', 'lorats_torch.node'));
}

let cached: AddonLoad | undefined;

/** Loads the addon once; never throws. */
export function loadAddon(): AddonLoad {
  if (cached) return cached;
  const path = addonPath();
  if (!existsSync(path)) {
    cached = { ok: false, reason: `the native addon is not built (${path} is missing)` };
    return cached;
  }
  try {
    const addon = createRequire(import.meta.url)(path) as TorchAddon;
    cached = { ok: true, addon, path };
  } catch (e) {
    cached = { ok: false, reason: `the native addon failed to load: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}` };
  }
  return cached;
}
