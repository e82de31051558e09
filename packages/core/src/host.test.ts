import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Embedding, LayerNorm, Linear, Module, coreStateDict, initWeights, manualSeed, mulberry32, toHostTensor, toHostTensors, type HostTensor } from './index.js';

class Net extends Module {
  readonly wte = this.registerModule('wte', new Embedding(6, 4, { paddingIdx: 1 }));
  readonly fc = this.registerModule('fc', new Linear(4, 3, { rank: 2, alpha: 4 }));
  readonly ln = this.registerModule('ln', new LayerNorm(3));
}

describe('host tensors', () => {
  it('copies float32, int32 and bool tensors to the host and back through loadStateDict', async () => {
    const f = tf.tensor2d([[1.5, -2], [3, 4]]);
    const i = tf.tensor1d([7, -1], 'int32');
    const b = tf.tensor1d([true, false], 'bool');
    expect(await toHostTensor(f)).toEqual({ dtype: 'float32', shape: [2, 2], data: new Float32Array([1.5, -2, 3, 4]) });
    expect(await toHostTensor(i)).toEqual({ dtype: 'int32', shape: [2], data: new Int32Array([7, -1]) });
    expect(await toHostTensor(b)).toEqual({ dtype: 'bool', shape: [2], data: new Uint8Array([1, 0]) });
    await expect(toHostTensor(tf.complex([1], [2]))).rejects.toThrow(/complex64 tensor has no host form/);
    const a = new Net();
    const host = await toHostTensors(a.stateDict());
    expect([...host.keys()]).toEqual([...a.stateDict().keys()]);
    const c = new Net();
    c.loadStateDict(host);
    for (const [k, t] of c.stateDict()) expect(Array.from(t.dataSync())).toEqual(Array.from((host.get(k)?.data ?? []) as ArrayLike<number>));
    tf.dispose([f, i, b]);
  });

  it('decodes float16 and bfloat16 bits to float32 and keeps other tensors as they are', () => {
    const ints: HostTensor = { dtype: 'int64', shape: [1], data: new BigInt64Array([3n]) };
    const out = coreStateDict(
      new Map<string, HostTensor>([
        ['h', { dtype: 'float16', shape: [3], data: new Uint16Array([0x3c00, 0xc000, 0x3555]) }],
        ['b', { dtype: 'bfloat16', shape: [2], data: new Uint16Array([0x3f80, 0x4049]) }],
        ['i', ints],
      ]),
    );
    expect(out.get('h')).toEqual({ dtype: 'float32', shape: [3], data: new Float32Array([1, -2, 0.333251953125]) });
    expect(out.get('b')).toEqual({ dtype: 'float32', shape: [2], data: new Float32Array([1, 3.140625]) });
    expect(out.get('i')).toBe(ints);
  });
});

describe('initWeights', () => {
  it("is HF's _init_weights: N(0, std) weights with a zero padding row, zero biases, LayerNorm 1/0, LoRA untouched", () => {
    manualSeed(3);
    const m = new Net();
    const loraA = m.fc.adapter().loraA.arraySync();
    m.ln.weight?.assign(tf.fill([3], 5));
    initWeights(m, 0.5);
    const wte = m.wte.weight.arraySync() as number[][];
    expect(wte[1]).toEqual([0, 0, 0, 0]);
    const others = wte.filter((_, r) => r !== 1).flat();
    expect(others.every((v) => v !== 0)).toBe(true);
    const std = Math.sqrt(others.reduce((s, v) => s + v * v, 0) / others.length);
    expect(std).toBeGreaterThan(0.2);
    expect(std).toBeLessThan(0.9);
    expect(Array.from(m.fc.bias?.dataSync() ?? [])).toEqual([0, 0, 0]);
    expect(Array.from(m.ln.weight?.dataSync() ?? [])).toEqual([1, 1, 1]);
    expect(Array.from(m.ln.bias?.dataSync() ?? [])).toEqual([0, 0, 0]);
    expect(m.fc.adapter().loraA.arraySync()).toEqual(loraA);
  });
});

describe('mulberry32', () => {
  it('is a deterministic uniform [0, 1) stream per seed', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(Math.abs(xs.reduce((s, x) => s + x, 0) / xs.length - 0.5)).toBeLessThan(0.05);
    expect(mulberry32(43)()).not.toBe(xs[0]);
  });
});
