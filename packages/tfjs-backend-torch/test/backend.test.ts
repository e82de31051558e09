// Backend behaviour beyond kernel values: memory accounting, data transfer, errors, stability over many steps.
import { readFileSync } from 'node:fs';

import * as tf from '@tensorflow/tfjs';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';

import type { TorchMemoryInfo } from '../src/index.js';
import { availableParallelism } from 'node:os';

import { defaultThreads, loadAddon, nativeKernelNames, setTorchOptions } from '../src/index.js';
import { DEVICE, ensureTorch, torch } from './harness.js';

/** tf.memory() with the torch backend's native fields (the engine merges them in). */
const nativeMemory = (): tf.MemoryInfo & TorchMemoryInfo => tf.memory() as tf.MemoryInfo & TorchMemoryInfo;

describe.skipIf(!torch.available)('torch backend', () => {
  beforeAll(() => ensureTorch());
  beforeEach(async () => {
    await tf.setBackend('torch');
  });

  it('keeps tensor data native: tf.memory() counts and native handles agree, and dispose frees both', () => {
    const start = nativeMemory();
    const a = tf.ones([64, 64]);
    const b = tf.reshape(a, [4096]);
    const c = tf.matMul(a, a);
    const mid = nativeMemory();
    expect(mid.numTensors - start.numTensors).toBe(3);
    expect(mid.numBytes - start.numBytes).toBe(3 * 64 * 64 * 4);
    expect(mid.numNativeTensors - start.numNativeTensors).toBe(mid.numDataBuffers - start.numDataBuffers);
    tf.dispose([a, b, c]);
    const end = nativeMemory();
    expect(end.numTensors).toBe(start.numTensors);
    expect(end.numBytes).toBe(start.numBytes);
    expect(end.numNativeTensors).toBe(start.numNativeTensors);
    expect(end.numNativeBytes).toBe(start.numNativeBytes);
  });

  it('counts tensors and bytes exactly as the cpu backend does', async () => {
    const trace = async (backend: string) => {
      await tf.setBackend(backend);
      const before = tf.memory();
      const counts: number[] = [];
      const x = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
      const v = tf.variable(tf.zeros([3, 2]));
      for (const t of [x.transpose(), x.reshape([6]), x.clone(), x.cast('int32'), tf.split(x, 3, 1)[0], x.sum(1), x.toBool()]) {
        counts.push(tf.memory().numTensors - before.numTensors, tf.memory().numBytes - before.numBytes);
        t.dispose();
      }
      v.assign(tf.ones([3, 2]));
      counts.push(tf.memory().numTensors - before.numTensors, tf.memory().numBytes - before.numBytes);
      tf.dispose([x, v]);
      counts.push(tf.memory().numTensors - before.numTensors, tf.memory().numBytes - before.numBytes);
      return counts;
    };
    const cpu = await trace('cpu');
    expect(await trace('torch')).toEqual(cpu);
  });

  it('reshapes without native work: outputs share the data, kernels see the new shape, views go with the data', () => {
    const start = nativeMemory();
    const x = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
    const views = tf.tidy(() => [x.reshape([3, 2]), x.reshape([6]), x.expandDims(0), x.reshape([1, 2, 3]).squeeze([0]), x.reshape([2, 1, 3])]);
    const mid = nativeMemory();
    expect(mid.numDataBuffers - start.numDataBuffers).toBe(1);
    expect(mid.numNativeTensors - start.numNativeTensors).toBe(1);
    expect(views.map((v) => v.shape)).toEqual([[3, 2], [6], [1, 2, 3], [2, 3], [2, 1, 3]]);
    // consumed under their own shapes (a transpose and a matmul depend on it), twice each to reuse the cached view
    for (let k = 0; k < 2; k++) {
      tf.tidy(() => {
        expect(views[0].transpose().arraySync()).toEqual([[1, 3, 5], [2, 4, 6]]);
        expect(tf.matMul(views[0], x).arraySync()).toEqual([[9, 12, 15], [19, 26, 33], [29, 40, 51]]);
        expect(Array.from(tf.sum(views[4], 2).dataSync())).toEqual([6, 15]);
      });
    }
    expect(nativeMemory().numNativeTensors - start.numNativeTensors).toBe(1);
    // the data lives until its last tensor is disposed, then the views made for kernels go with it
    x.dispose();
    expect(Array.from(views[1].dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    tf.dispose(views);
    const end = nativeMemory();
    expect(end.numTensors).toBe(start.numTensors);
    expect(end.numNativeTensors).toBe(start.numNativeTensors);
    expect(end.numNativeBytes).toBe(start.numNativeBytes);
    expect(tf.memory().numDataBuffers).toBe(start.numDataBuffers);
  });

  it('reads data as the dtype typed arrays tfjs expects, sync and async', async () => {
    const f = tf.tensor1d([1.5, -2]);
    const i = tf.tensor1d([7, -3], 'int32');
    const b = tf.tensor1d([true, false], 'bool');
    expect(f.dataSync()).toBeInstanceOf(Float32Array);
    expect(i.dataSync()).toBeInstanceOf(Int32Array);
    expect(b.dataSync()).toBeInstanceOf(Uint8Array);
    expect(Array.from(await i.data())).toEqual([7, -3]);
    expect(await b.array()).toEqual([1, 0]);
    expect(tf.scalar(3.25).arraySync()).toBe(3.25);
    tf.dispose([f, i, b]);
  });

  it('holds string and complex64 tensors in JS (no kernels, but they round-trip)', () => {
    const s = tf.tensor1d(['a', 'bc']);
    expect(s.arraySync()).toEqual(['a', 'bc']);
    const c = tf.complex([1, -2], [3, 4]);
    expect(c.dtype).toBe('complex64');
    expect(Array.from(c.dataSync())).toEqual([1, 3, -2, 4]);
    tf.dispose([s, c]);
  });

  it('slices with tf.slice shorthands: a number begin and no size (to the end)', () => {
    const x = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
    expect(tf.slice(x, 1).arraySync()).toEqual([[3, 4], [5, 6]]);
    expect(tf.slice(x, [0, 1], [-1, 1]).arraySync()).toEqual([[2], [4], [6]]);
    expect(tf.slice(x, 2, 1).arraySync()).toEqual([[5, 6]]);
    x.dispose();
  });

  it('uses tensors made on another backend (tfjs moves them)', async () => {
    await tf.setBackend('cpu');
    const x = tf.tensor1d([1, 2, 3]);
    await tf.setBackend('torch');
    expect(Array.from(x.add(1).dataSync())).toEqual([2, 3, 4]);
    x.dispose();
  });

  it('defaults to one CPU thread fewer than the cores, LORATS_TORCH_THREADS overrides, and a bad value is an error', () => {
    const saved = process.env.LORATS_TORCH_THREADS;
    try {
      delete process.env.LORATS_TORCH_THREADS;
      expect(defaultThreads()).toBe(Math.max(1, availableParallelism() - 1));
      process.env.LORATS_TORCH_THREADS = '3';
      expect(defaultThreads()).toBe(3);
      for (const bad of ['0', '-2', '1.5', 'many']) {
        process.env.LORATS_TORCH_THREADS = bad;
        expect(() => defaultThreads()).toThrow(`LORATS_TORCH_THREADS must be a positive integer, got '${bad}'`);
      }
    } finally {
      if (saved === undefined) delete process.env.LORATS_TORCH_THREADS;
      else process.env.LORATS_TORCH_THREADS = saved;
    }
    const load = loadAddon();
    if (!load.ok) throw new Error(load.reason);
    const before = load.addon.info().threads;
    setTorchOptions({ threads: 2 });
    expect(load.addon.info().threads).toBe(2);
    setTorchOptions({ threads: before });
    expect(load.addon.info().threads).toBe(before);
  });

  it('turns libtorch errors into JS exceptions and keeps working', () => {
    const before = tf.memory().numTensors;
    const a = tf.ones([2, 3]);
    expect(() => tf.engine().runKernel('BatchMatMul', { a, b: a }, { transposeA: false, transposeB: false })).toThrow(/shapes cannot be multiplied|size mismatch|must match/);
    const bad = tf.tensor1d([5], 'int32');
    expect(() => tf.gather(a, bad)).toThrow(/out of range|not in \[0, 1\]|out of DATA bounds/i);
    tf.dispose([a, bad]);
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(tf.add(tf.scalar(1), tf.scalar(2)).dataSync())).toEqual([3]);
  });

  it.runIf(DEVICE.startsWith('cuda'))('turns a CUDA out-of-memory into a JS exception and keeps working', () => {
    // 2^20 × 2^20 float32 = 4 TiB: more than any GPU holds
    expect(() => tf.engine().runKernel('Fill', {}, { shape: [2 ** 20, 2 ** 20], value: 1, dtype: 'float32' })).toThrow(/out of memory|allocate/i);
    expect(Array.from(tf.add(tf.tensor1d([1, 2]), 1).dataSync())).toEqual([2, 3]);
  });

  it('implements the kernels lorats models and optimizers use natively', () => {
    const native = new Set(nativeKernelNames());
    const needed = [
      'BatchMatMul', 'Add', 'Sub', 'Multiply', 'RealDiv', 'Pow', 'Sqrt', 'Rsqrt', 'Exp', 'Log', 'Tanh', 'Erf', 'Softmax', 'Sum', 'Mean', 'Max',
      'GatherV2', 'UnsortedSegmentSum', 'Concat', 'Slice', 'StridedSlice', 'SplitV', 'Transpose', 'Reshape', 'Tile', 'PadV2', 'Select', 'Cast',
      'OneHot', 'Range', 'Fill', 'TopK', 'ArgMax', 'Cumsum', 'ClipByValue', 'Maximum', 'Minimum', 'Abs', 'Sign', 'Equal', 'Less', 'Greater',
      'LogicalAnd', 'Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'Square', 'SquaredDifference', 'Neg', 'ZerosLike', 'OnesLike',
      'LoratsLayerNorm', 'LoratsLayerNormGrad', 'LoratsGelu', 'LoratsGeluGrad', 'LoratsAttention', 'LoratsAttentionGrad', 'LoratsLoraLinear',
      'LoratsLoraLinearGrad', 'LoratsCrossEntropy', 'LoratsCrossEntropyGrad', 'LoratsDropoutMask', 'Multinomial', 'GatherNd', 'ScatterNd',
    ];
    expect(needed.filter((k) => !native.has(k))).toEqual([]);
  });

  it('implements natively every kernel traced from the GPT-2, RoBERTa and DeBERTa-v2 training/decoding paths', () => {
    // test/kernels-used.json is written by apps/bench/src/trace-kernels.ts (nx run bench:trace-kernels)
    const traced = JSON.parse(readFileSync(new URL('./kernels-used.json', import.meta.url), 'utf8')) as { kernels: Record<string, string[]> };
    const native = new Set(nativeKernelNames());
    expect(Object.keys(traced.kernels).length).toBeGreaterThan(40);
    expect(Object.keys(traced.kernels).filter((k) => !native.has(k))).toEqual([]);
  });

  it(`keeps tensor count and native memory flat over 1,000 training steps (${DEVICE})`, () => {
    // a one-block attention + MLP model on [B, T, C], trained with Adam on a fixed batch
    const [B, T, C] = [4, 8, 16];
    const seed = 42;
    const x = tf.randomNormal([B, T, C], 0, 1, 'float32', seed);
    const target = tf.randomNormal([B, T, C], 0, 1, 'float32', seed + 1);
    const w = {
      q: tf.variable(tf.randomNormal([C, C], 0, 0.2, 'float32', 1)),
      k: tf.variable(tf.randomNormal([C, C], 0, 0.2, 'float32', 2)),
      v: tf.variable(tf.randomNormal([C, C], 0, 0.2, 'float32', 3)),
      up: tf.variable(tf.randomNormal([C, 4 * C], 0, 0.2, 'float32', 4)),
      down: tf.variable(tf.randomNormal([4 * C, C], 0, 0.2, 'float32', 5)),
      gamma: tf.variable(tf.ones([C])),
    };
    // projections on rows [B·T, C] (tfjs's matMul gradient does not reduce broadcast batch dims)
    const rows = x.reshape([B * T, C]);
    const proj = (m: tf.Tensor) => tf.matMul(rows, m).reshape([B, T, C]);
    const forward = () => {
      const att = tf.softmax(tf.mul(tf.matMul(proj(w.q), proj(w.k), false, true), 1 / Math.sqrt(C)));
      const h = tf.add(x, tf.matMul(att, proj(w.v))).reshape([B * T, C]);
      const m = tf.moments(h, -1, true);
      const n = tf.mul(tf.div(tf.sub(h, m.mean), tf.sqrt(tf.add(m.variance, 1e-5))), w.gamma);
      const y = tf.add(h, tf.matMul(tf.relu(tf.matMul(n, w.up)), w.down));
      return tf.mean(tf.squaredDifference(y, target.reshape([B * T, C]))) as tf.Scalar;
    };
    const opt = tf.train.adam(1e-2);
    const step = () => {
      const loss = opt.minimize(forward, true) as tf.Scalar;
      const v = loss.dataSync()[0];
      loss.dispose();
      return v;
    };
    const first = step();
    for (let i = 1; i < 10; i++) step();
    const warm = nativeMemory();
    let last = first;
    for (let i = 10; i < 1000; i++) last = step();
    const end = nativeMemory();
    expect(end.numTensors).toBe(warm.numTensors);
    expect(end.numBytes).toBe(warm.numBytes);
    expect(end.numNativeTensors).toBe(warm.numNativeTensors);
    expect(end.numNativeBytes).toBe(warm.numNativeBytes);
    if (end.numBytesInGPUAllocated !== undefined) expect(end.numBytesInGPUAllocated).toBe(warm.numBytesInGPUAllocated);
    expect(last).toBeLessThan(first * 0.5);
    opt.dispose();
    tf.dispose([x, rows, target, ...Object.values(w)]);
  });
});
