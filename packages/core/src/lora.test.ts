// LoRA identities, loralib's train/eval merging, trainable sets, state dicts, errors and memory.
import * as tf from '@tensorflow/tfjs';
import { expectNoTensorLeak, expectTensorsClose } from '@lorats/testing';
import { describe, expect, it } from 'vitest';
import { OP_PATHS, useOpPath } from '../test/op-paths.js';
import {
  Conv1d,
  Conv2d,
  Conv3d,
  Embedding,
  LayerNorm,
  Linear,
  type LoraLayer,
  loraStateDict,
  manualSeed,
  markOnlyLoraAsTrainable,
  MergedLinear,
  Module,
  trainableVariables,
} from './index.js';

type Layer = LoraLayer & { forward(x: tf.Tensor): tf.Tensor };

interface Case {
  name: string;
  make: (rank: number) => Layer;
  input: () => tf.Tensor;
  /** LoRA parameters per adapted matrix for rank r. */
  count: (r: number) => number;
}

const CASES: Case[] = [
  { name: 'Linear', make: (rank) => new Linear(6, 5, { rank, alpha: 4 }), input: () => tf.randomNormal([3, 6]), count: (r) => r * (6 + 5) },
  {
    name: 'Linear fanInFanOut',
    make: (rank) => new Linear(6, 5, { rank, alpha: 4, fanInFanOut: true }),
    input: () => tf.randomNormal([2, 3, 6]),
    count: (r) => r * (6 + 5),
  },
  {
    name: 'MergedLinear [T,F,T]',
    make: (rank) => new MergedLinear(4, 12, { rank, alpha: 2, enableLora: [true, false, true], fanInFanOut: true }),
    input: () => tf.randomNormal([3, 4]),
    count: (r) => 2 * r * (4 + 4), // two adapted 4×4 slices
  },
  {
    name: 'Embedding',
    make: (rank) => new Embedding(9, 4, { rank, alpha: 2 }),
    input: () => tf.tensor2d([[1, 2, 8], [0, 3, 3]], undefined, 'int32'),
    count: (r) => r * (9 + 4),
  },
  { name: 'Conv1d k3', make: (rank) => new Conv1d(3, 4, 3, { rank, alpha: 2, padding: 1 }), input: () => tf.randomNormal([2, 3, 5]), count: (r) => r * 3 * (3 * 3 + 4) },
  {
    name: 'Conv2d k3',
    make: (rank) => new Conv2d(2, 4, 3, { rank, alpha: 2, padding: 'same' }),
    input: () => tf.randomNormal([1, 2, 4, 4]),
    count: (r) => r * 3 * (2 * 3 + 4 * 3),
  },
  { name: 'Conv3d k2', make: (rank) => new Conv3d(2, 2, 2, { rank, alpha: 2 }), input: () => tf.randomNormal([1, 2, 3, 3, 3]), count: (r) => r * 2 * (2 * 2 + 2 * 4) },
];

/** Gives B (or A for embeddings) random values so the adapter is not a no-op. */
function perturb(layer: LoraLayer): void {
  for (const a of layer.adapters.values()) {
    a.loraB.assign(tf.randomNormal(a.loraB.shape, 0, 0.5));
    a.loraA.assign(tf.randomNormal(a.loraA.shape, 0, 0.5));
  }
}

describe.each(OP_PATHS)('LoRA identities (%s path)', (path) => {
  useOpPath(path);

  describe.each(CASES)('$name', ({ make, input, count }) => {
    it('is a no-op at init (ΔW = 0) and counts rank·(in + out) LoRA parameters per adapted matrix', () => {
      const lora = make(2);
      const base = make(0);
      base.loadStateDict(Object.fromEntries([...lora.stateDict()].filter(([k]) => !k.includes('lora_'))));
      const x = input();
      expectTensorsClose(lora.forward(x), base.forward(x), { atol: 1e-6 });
      const a = lora.adapter();
      expect(a.loraA.size + a.loraB.size).toBe(count(2));
      expect(make(3).numParameters() - base.numParameters()).toBe(count(3));
      lora.dispose();
      base.dispose();
    });

    it('merge then unmerge gives back W, and merged forward equals unmerged forward', () => {
      const layer = make(2);
      perturb(layer);
      const x = input();
      const w0 = layer.weight.clone();
      const unmerged = layer.forward(x);
      layer.eval();
      expect(layer.merged).toBe(true);
      expectTensorsClose(tf.sub(layer.weight, w0), layer.deltaWeight(), { atol: 1e-6 });
      expectTensorsClose(layer.forward(x), unmerged, { atol: 1e-5 });
      layer.train();
      expect(layer.merged).toBe(false);
      expectTensorsClose(layer.weight, w0, { atol: 1e-6 });
      expectTensorsClose(layer.forward(x), unmerged, { atol: 1e-6 });
      layer.dispose();
    });

    it('only A and B receive gradients after markOnlyLoraAsTrainable', () => {
      const layer = make(2);
      perturb(layer);
      markOnlyLoraAsTrainable(layer);
      const x = input();
      const { grads } = tf.variableGrads(() => tf.sum(tf.square(layer.forward(x))), layer.parameters());
      const a = layer.adapter();
      const received = Object.entries(grads).filter(([, g]) => g != null).map(([k]) => k); // frozen ones map to null
      expect(received.sort()).toEqual([a.loraA.name, a.loraB.name].sort());
      expect(trainableVariables(layer)).toEqual([a.loraA, a.loraB]);
      expect(tf.max(tf.abs(grads[a.loraA.name])).dataSync()[0]).toBeGreaterThan(0);
      layer.dispose();
    });

    it('leaks no tensors across repeated forward, backward and merge', async () => {
      const layer = make(2);
      const x = input();
      const opt = tf.train.adam(0.01);
      await expectNoTensorLeak(() => {
        opt.minimize(() => tf.sum(tf.square(layer.forward(x))), false, trainableVariables(layer));
        layer.eval();
        tf.dispose(layer.forward(x));
        layer.train();
        tf.dispose(layer.deltaWeight());
      });
      opt.dispose();
      layer.dispose();
    });
  });

  it('loading a state dict into a merged (eval) layer keeps merge bookkeeping right', () => {
    const src = new Linear(4, 3, { rank: 2 });
    perturb(src);
    const saved = new Map([...src.stateDict()].map(([k, t]) => [k, t.clone()])); // train mode: unmerged W
    const x = tf.randomNormal([2, 4]);
    const want = src.forward(x);
    const dst = new Linear(4, 3, { rank: 2 });
    dst.eval(); // merged
    dst.loadStateDict(saved);
    expect(dst.merged).toBe(true);
    expectTensorsClose(dst.forward(x), want, { atol: 1e-5 });
    dst.train();
    expectTensorsClose(dst.weight, saved.get('weight')!, { atol: 1e-6 });
    src.dispose();
    dst.dispose();
  });

  it('mergeWeights false keeps eval() from merging (loralib merge_weights=False)', () => {
    const layer = new Linear(4, 3, { rank: 2, mergeWeights: false });
    perturb(layer);
    const x = tf.randomNormal([2, 4]);
    const y = layer.forward(x);
    layer.eval();
    expect(layer.merged).toBe(false);
    expectTensorsClose(layer.forward(x), y, { atol: 1e-6 });
    layer.dispose();
  });

  it('MergedLinear leaves disabled slices untouched and marks lora_ind', () => {
    const layer = new MergedLinear(4, 6, { rank: 2, enableLora: [true, false, true] });
    perturb(layer);
    expect(layer.loraIndex()).toEqual([true, true, false, false, true, true]);
    expect(layer.adapter().loraA.shape).toEqual([4, 4]); // [rank·E, in]
    expect(layer.adapter().loraB.shape).toEqual([4, 2]); // [d·E, rank]
    const delta = layer.deltaWeight().arraySync() as number[][];
    expect(delta[2].every((v) => v === 0) && delta[3].every((v) => v === 0)).toBe(true);
    expect(delta[0].some((v) => v !== 0) && delta[5].some((v) => v !== 0)).toBe(true);
    const x = tf.randomNormal([3, 4]);
    const base = tf.add(tf.matMul(x, layer.weight, false, true), layer.bias!);
    expectTensorsClose(tf.slice(layer.forward(x), [0, 2], [3, 2]), tf.slice(base, [0, 2], [3, 2]), { atol: 1e-6 });
    // with no enabled group there is no adapter (loralib creates no lora_A / lora_B)
    const none = new MergedLinear(4, 6, { rank: 2, enableLora: [false, false] });
    expect(none.adapters.size).toBe(0);
    layer.dispose();
    none.dispose();
  });

  it('LoRA dropout applies to the LoRA branch only, repeats under manualSeed and is off in eval', () => {
    const layer = new Linear(8, 4, { rank: 2, dropout: 0.5, mergeWeights: false });
    const x = tf.randomNormal([5, 8]);
    const base = tf.add(tf.matMul(x, layer.weight, false, true), layer.bias!);
    expectTensorsClose(layer.forward(x), base, { atol: 1e-6 }); // B = 0: the dropped branch adds nothing
    perturb(layer);
    manualSeed(3);
    const y1 = layer.forward(x);
    manualSeed(3);
    expectTensorsClose(layer.forward(x), y1, { atol: 0 });
    manualSeed(undefined);
    layer.eval();
    const a = layer.adapter();
    const noDrop = tf.add(base, tf.mul(tf.matMul(tf.matMul(x, a.loraA, false, true), a.loraB, false, true), a.scaling));
    expectTensorsClose(layer.forward(x), noDrop, { atol: 1e-5 });
    layer.dispose();
  });
});

describe('initialisation (loralib)', () => {
  it('Linear: A ~ U(±1/√in) (Kaiming-uniform a=√5), B = 0; scaling = alpha / rank', () => {
    const layer = new Linear(64, 32, { rank: 8, alpha: 16 });
    const a = layer.adapter();
    const av = a.loraA.dataSync();
    const bound = 1 / Math.sqrt(64);
    expect(Math.max(...av.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...av.map(Math.abs))).toBeGreaterThan(0.9 * bound);
    expect(a.loraB.dataSync().every((v) => v === 0)).toBe(true);
    expect(a.scaling).toBe(2);
    expect(layer.weight.trainable).toBe(false);
    expect(layer.bias!.trainable).toBe(true);
    layer.dispose();
  });

  it('Embedding: A = 0, B ~ N(0, 1) (the reverse of Linear)', () => {
    const layer = new Embedding(50, 200, { rank: 8 });
    const a = layer.adapter();
    expect(a.loraA.dataSync().every((v) => v === 0)).toBe(true);
    const b = Array.from(a.loraB.dataSync());
    const mean = b.reduce((s, v) => s + v, 0) / b.length;
    const std = Math.sqrt(b.reduce((s, v) => s + (v - mean) ** 2, 0) / b.length);
    expect(Math.abs(mean)).toBeLessThan(0.15);
    expect(std).toBeGreaterThan(0.85);
    expect(std).toBeLessThan(1.15);
    layer.dispose();
  });

  it('rsLoRA scales by alpha / √rank', () => {
    const layer = new Linear(4, 4, { rank: 4, alpha: 8, useRsLora: true });
    expect(layer.scaling).toBe(4);
    layer.dispose();
  });
});

class Tiny extends Module {
  readonly emb = this.registerModule('emb', new Embedding(6, 4, { rank: 2 }));
  readonly q = this.registerModule('q', new Linear(4, 4, { rank: 2 }));
  readonly k = this.registerModule('k', new Linear(4, 4));
  readonly ln = this.registerModule('ln', new LayerNorm(4));
  forward(ids: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.ln.forward(this.k.forward(this.q.forward(this.emb.forward(ids)))));
  }
}

describe('markOnlyLoraAsTrainable and loraStateDict (loralib bias modes)', () => {
  const keysOf = (vars: Array<[string, tf.Variable]>): string[] => vars.filter(([, v]) => v.trainable).map(([k]) => k);

  it.each([
    ['none', ['emb.lora_A', 'emb.lora_B', 'q.lora_A', 'q.lora_B']],
    ['all', ['emb.lora_A', 'emb.lora_B', 'q.bias', 'q.lora_A', 'q.lora_B', 'k.bias', 'ln.bias']],
    ['lora_only', ['emb.lora_A', 'emb.lora_B', 'q.bias', 'q.lora_A', 'q.lora_B']],
  ] as const)('bias %s', (bias, want) => {
    const m = new Tiny();
    markOnlyLoraAsTrainable(m, bias);
    expect(keysOf(m.namedParameters())).toEqual(want);
    expect([...loraStateDict(m, bias).keys()].sort()).toEqual([...want].sort());
    // training updates only trainable parameters
    const frozen = m.namedParameters().filter(([, v]) => !v.trainable).map(([k, v]) => [k, v.clone()] as const);
    tf.train.sgd(0.5).minimize(() => tf.sum(tf.square(m.forward(tf.tensor1d([1, 2, 3], 'int32')))), false, trainableVariables(m));
    for (const [k, v] of frozen) expectTensorsClose(m.stateDict().get(k)!, v, { atol: 0, label: k });
    m.dispose();
  });

  it('unknown bias modes are rejected with the mode named', () => {
    const m = new Tiny();
    expect(() => markOnlyLoraAsTrainable(m, 'some' as 'none')).toThrow(/Unknown bias mode "some" \(expected 'none' \| 'all' \| 'lora_only'\)/);
    expect(() => loraStateDict(m, 'lora' as 'none')).toThrow(/Unknown bias mode "lora"/);
    m.dispose();
  });

  it('a LoRA state dict round-trips into a fresh model (strict: false) and reproduces its output', () => {
    const a = new Tiny();
    for (const [, mod] of a.namedModules()) if (mod instanceof Linear || mod instanceof Embedding) if (mod.adapters.size) perturb(mod);
    const b = new Tiny();
    b.loadStateDict(a.stateDict());
    const other = new Tiny();
    other.loadStateDict(Object.fromEntries([...a.stateDict()].filter(([k]) => !k.includes('lora_'))), { strict: false });
    const { missingKeys } = other.loadStateDict(loraStateDict(a), { strict: false });
    expect(missingKeys).toEqual(['emb.weight', 'q.weight', 'q.bias', 'k.weight', 'k.bias', 'ln.weight', 'ln.bias']);
    const ids = tf.tensor1d([0, 5, 2], 'int32');
    expectTensorsClose(other.forward(ids), a.forward(ids), { atol: 1e-6 });
    [a, b, other].forEach((m) => m.dispose());
  });
});

describe('bad input', () => {
  it('a wrong rank is rejected with the layer named', () => {
    expect(() => new Linear(4, 4, { rank: -1 })).toThrow(/Linear: rank must be a non-negative integer, got -1/);
    expect(() => new Embedding(4, 4, { rank: 1.5 })).toThrow(/Embedding: rank must be a non-negative integer, got 1.5/);
    const l = new Linear(4, 4);
    expect(() => l.addAdapter('x', { rank: 0 })).toThrow(/Linear: rank must be a positive integer, got 0/);
    expect(() => new MergedLinear(4, 7, { rank: 2, enableLora: [true, false] })).toThrow(/MergedLinear: outFeatures 7 must be divisible by enableLora.length 2/);
    l.dispose();
  });

  it('loading a LoRA checkpoint of another rank names the key, module and shapes', () => {
    const m = new Tiny();
    const sd = new Map(m.stateDict());
    sd.set('q.lora_A', tf.zeros([4, 4]));
    expect(() => m.loadStateDict(sd)).toThrow(/state dict key "q\.lora_A" \(Linear at "q"\): shape \[4, 4\] does not match \[2, 4\]/);
    m.dispose();
  });

  it('inputs of the wrong width are rejected', () => {
    const l = new Linear(4, 3, { rank: 1 });
    expect(() => l.forward(tf.zeros([2, 5]))).toThrow(/Linear: input last dim 5 does not match inFeatures 4/);
    const c = new Conv2d(3, 4, 3);
    expect(() => c.forward(tf.zeros([1, 4, 5, 5]))).toThrow(/Conv2d: input \[1,4,5,5\] must be \[N, 3, \*, \*\]/);
    l.dispose();
    c.dispose();
  });
});
