import * as tf from '@tensorflow/tfjs';
import { expectNoTensorLeak, expectTensorsClose } from '@lorats/testing';
import { describe, expect, it } from 'vitest';
import { perturbAdapters, Toy, toyIds } from '../test/toy-model.js';
import {
  addWeightedAdapter,
  adapterNames,
  deleteAdapter,
  disableAdapters,
  enableAdapters,
  injectLora,
  type LoraConfig,
  type LoraLayer,
  loraLayers,
  mergeAdapters,
  mergeAndUnload,
  namedTrainableVariables,
  setActiveAdapter,
  unload,
  unmergeAdapters,
  withAdaptersDisabled,
} from './index.js';

const BASE: LoraConfig = { rank: 2, alpha: 4, targets: ['c_attn'] };

function lora(model: Toy, path: string): LoraLayer {
  return model.getSubmodule(path) as LoraLayer;
}

describe('injectLora', () => {
  it('adapts the named targets (suffix match), is a no-op at init and freezes everything else', () => {
    const m = new Toy();
    const ids = toyIds();
    const before = m.forward(ids);
    const paths = injectLora(m, BASE);
    expect(paths).toEqual(['h.0.attn.c_attn', 'h.1.attn.c_attn']);
    expectTensorsClose(m.forward(ids), before, { atol: 1e-6 });
    expect(namedTrainableVariables(m).map(([k]) => k)).toEqual(['h.0.attn.c_attn.lora_A', 'h.0.attn.c_attn.lora_B', 'h.1.attn.c_attn.lora_A', 'h.1.attn.c_attn.lora_B']);
    expect(m.numParameters(true)).toBe(2 * 2 * (8 + 24));
    m.dispose();
  });

  it.each([
    ['a regex (full match)', { targets: 'h\\.1\\.(attn|mlp)\\.c_proj' }, ['h.1.attn.c_proj', 'h.1.mlp.c_proj']],
    ['dotted suffixes', { targets: ['mlp.c_proj', 'classifier.dense'] }, ['h.0.mlp.c_proj', 'h.1.mlp.c_proj', 'classifier.dense']],
    ['exclude', { targets: ['c_proj'], exclude: ['h.0.attn.c_proj'] }, ['h.0.mlp.c_proj', 'h.1.attn.c_proj', 'h.1.mlp.c_proj']],
    ['layersToTransform', { targets: ['c_fc', 'c_attn'], layersToTransform: [1], layersPattern: 'h' }, ['h.1.attn.c_attn', 'h.1.mlp.c_fc']],
    ['all-linear', { targets: 'all-linear', exclude: 'h\\.\\d\\..*' }, ['classifier.dense', 'classifier.out_proj']],
    ['embeddings and convs', { targets: ['wte', 'patch'] }, ['wte', 'patch']],
  ] as const)('selects by %s', (_label, partial, want) => {
    const m = new Toy();
    expect(injectLora(m, { ...BASE, ...partial } as LoraConfig)).toEqual(want);
    m.dispose();
  });

  it('applies rankPattern, alphaPattern, rsLoRA and enableLora groups', () => {
    const m = new Toy();
    injectLora(m, { ...BASE, targets: ['c_attn', 'c_fc'], rankPattern: { 'h\\.1\\.attn\\.c_attn': 4 }, alphaPattern: { c_fc: 8 }, enableLora: { c_attn: [true, false, true] }, useRsLora: true });
    const a0 = lora(m, 'h.0.attn.c_attn').adapter();
    expect(a0.loraA.shape).toEqual([4, 8]); // [rank·E, in], E = 2
    expect(a0.loraB.shape).toEqual([16, 2]); // [d·E, rank]
    expect(a0.scaling).toBeCloseTo(4 / Math.sqrt(2));
    expect(lora(m, 'h.1.attn.c_attn').adapter().rank).toBe(4);
    expect(lora(m, 'h.0.mlp.c_fc').adapter().scaling).toBeCloseTo(8 / Math.sqrt(2));
    m.dispose();
  });

  it('names unknown targets, non-LoRA targets and empty matches', () => {
    const m = new Toy();
    expect(() => injectLora(m, { ...BASE, targets: ['c_atn'] })).toThrow(/LoRA target module "c_atn" not found in Toy \(module names: wte, h, ln_1, attn, c_attn, c_proj,/);
    expect(() => injectLora(m, { ...BASE, targets: ['ln_1'] })).toThrow(/LoRA target "h\.0\.ln_1" is a LayerNorm, which cannot carry LoRA/);
    expect(() => injectLora(m, { ...BASE, targets: 'q_proj|v_proj' })).toThrow(/LoRA target regex "q_proj\|v_proj" matches no module of Toy/);
    expect(() => injectLora(m, { ...BASE, targets: ['c_attn'], layersToTransform: [7] })).toThrow(/select no module of Toy/);
    expect(() => injectLora(m, { ...BASE, modulesToSave: ['score'] })).toThrow(/modulesToSave "score" not found in Toy/);
    expect(() => injectLora(m, { ...BASE, rank: 0 })).toThrow(/rank must be a positive integer, got 0/);
    expect(() => injectLora(m, { ...BASE, bias: 'most' as 'none' })).toThrow(/Unknown bias mode "most"/);
    expect(() => injectLora(m, { ...BASE, targets: ['c_attn'], enableLora: { c_attn: [true, true, false, false, true] } })).toThrow(
      /LoRA target "h\.0\.attn\.c_attn": Linear: outFeatures 24 must divide into 5 enableLora groups/,
    );
    expect(adapterNames(m)).toEqual([]); // failed injections leave nothing behind
    m.dispose();
  });

  it('modulesToSave and bias modes decide what trains', () => {
    const m = new Toy();
    injectLora(m, { ...BASE, bias: 'lora_only', modulesToSave: ['classifier'] });
    expect(namedTrainableVariables(m).map(([k]) => k)).toEqual([
      'h.0.attn.c_attn.bias',
      'h.0.attn.c_attn.lora_A',
      'h.0.attn.c_attn.lora_B',
      'h.1.attn.c_attn.bias',
      'h.1.attn.c_attn.lora_A',
      'h.1.attn.c_attn.lora_B',
      'classifier.dense.weight',
      'classifier.dense.bias',
      'classifier.out_proj.weight',
      'classifier.out_proj.bias',
    ]);
    m.dispose();
  });
});

describe('several named adapters', () => {
  function twoAdapters(): Toy {
    const m = new Toy();
    injectLora(m, BASE, 'a');
    injectLora(m, { ...BASE, rank: 3, alpha: 3, targets: ['c_attn', 'c_fc'] }, 'b');
    perturbAdapters(m);
    return m;
  }

  it('activates, combines, disables and enables adapters', () => {
    const m = twoAdapters();
    const ids = toyIds();
    const base = withAdaptersDisabled(m, () => m.forward(ids));
    const onlyA = m.forward(ids); // 'a' was injected first and stays active
    expect(lora(m, 'h.0.attn.c_attn').activeAdapters).toEqual(['a']);
    setActiveAdapter(m, 'b');
    expect(namedTrainableVariables(m).every(([k]) => k.endsWith('.b'))).toBe(true);
    const onlyB = m.forward(ids);
    setActiveAdapter(m, ['a', 'b']);
    const both = m.forward(ids);
    for (const t of [onlyA, onlyB, both]) expect(tf.max(tf.abs(tf.sub(t, base))).dataSync()[0]).toBeGreaterThan(1e-3);
    // one layer: the output with both adapters adds both deltas
    const layer = lora(m, 'h.1.mlp.c_fc') as LoraLayer & { forward(x: tf.Tensor): tf.Tensor };
    const x = tf.randomNormal([3, 8]);
    const plain = withAdaptersDisabled(m, () => layer.forward(x));
    const deltaB = tf.matMul(x, layer.deltaWeight('b'), false, true);
    expectTensorsClose(layer.forward(x), tf.add(plain, deltaB), { atol: 1e-5 });
    disableAdapters(m);
    expectTensorsClose(m.forward(ids), base, { atol: 0 });
    enableAdapters(m);
    expectTensorsClose(m.forward(ids), both, { atol: 1e-6 });
    expect(() => setActiveAdapter(m, 'c')).toThrow(/unknown adapter "c" \(has a, b\)/);
    m.dispose();
  });

  it('merge/unmerge and merge-and-unload keep the output; unload restores the base', () => {
    const m = twoAdapters();
    const ids = toyIds();
    setActiveAdapter(m, ['a', 'b']);
    const y = m.forward(ids);
    const w0 = lora(m, 'h.0.attn.c_attn').weight.clone();
    mergeAdapters(m);
    expect(lora(m, 'h.0.attn.c_attn').mergedAdapters).toEqual(['a', 'b']);
    expectTensorsClose(m.forward(ids), y, { atol: 1e-5 });
    unmergeAdapters(m);
    expectTensorsClose(lora(m, 'h.0.attn.c_attn').weight, w0, { atol: 1e-6 });
    mergeAndUnload(m);
    expect(adapterNames(m)).toEqual([]);
    expect([...m.stateDict().keys()].some((k) => k.includes('lora_'))).toBe(false);
    expectTensorsClose(m.forward(ids), y, { atol: 1e-5 });
    m.dispose();
    const n = twoAdapters();
    const nBase = withAdaptersDisabled(n, () => n.forward(ids));
    mergeAdapters(n, ['a']);
    unload(n);
    expectTensorsClose(n.forward(ids), nBase, { atol: 1e-6 });
    n.dispose();
  });

  it('deleting an adapter frees its tensors and keys', () => {
    const m = twoAdapters();
    const before = tf.memory().numTensors;
    deleteAdapter(m, 'b');
    expect(tf.memory().numTensors).toBe(before - 2 * 4); // A and B on 4 layers
    expect(adapterNames(m)).toEqual(['a']);
    expect([...m.stateDict().keys()].filter((k) => k.includes('lora_'))).toEqual([
      'h.0.attn.c_attn.lora_A.a',
      'h.0.attn.c_attn.lora_B.a',
      'h.1.attn.c_attn.lora_A.a',
      'h.1.attn.c_attn.lora_B.a',
    ]);
    expect(() => deleteAdapter(m, 'b')).toThrow(/unknown adapter "b"/);
    m.dispose();
  });

  it('adapter switching, merging and weighted combination leak no tensors', async () => {
    const m = twoAdapters();
    const ids = toyIds();
    let n = 0;
    await expectNoTensorLeak(() => {
      setActiveAdapter(m, n++ % 2 === 0 ? 'a' : ['a', 'b']);
      mergeAdapters(m);
      tf.dispose(m.forward(ids));
      unmergeAdapters(m);
      addWeightedAdapter(m, ['a', 'b'], [0.5, 0.5], 'mix', 'cat');
      deleteAdapter(m, 'mix');
    });
    m.dispose();
  });
});

describe('addWeightedAdapter', () => {
  it("'cat' gives exactly ΔW = Σ wᵢ·ΔWᵢ on Linear, MergedLinear groups, Embedding and Conv2d", () => {
    const m = new Toy();
    injectLora(m, { rank: 2, alpha: 4, targets: ['c_attn', 'wte', 'patch', 'c_fc'], enableLora: { c_attn: [true, false, true] } }, 'a');
    injectLora(m, { rank: 3, alpha: 2, targets: ['c_attn', 'wte', 'patch'], enableLora: { c_attn: [true, false, true] } }, 'b');
    perturbAdapters(m);
    addWeightedAdapter(m, ['a', 'b'], [0.7, -1.3], 'mix', 'cat');
    for (const path of ['h.0.attn.c_attn', 'wte', 'patch']) {
      const layer = lora(m, path);
      const want = tf.add(tf.mul(layer.deltaWeight('a'), 0.7), tf.mul(layer.deltaWeight('b'), -1.3));
      expectTensorsClose(layer.deltaWeight('mix'), want, { atol: 1e-5, label: path });
      expect(layer.adapter('mix').rank).toBe(5);
      expect(layer.adapter('mix').scaling).toBe(1);
    }
    // a layer with only one of the adapters gets its block, padded to the common rank
    const fc = lora(m, 'h.0.mlp.c_fc');
    expect(fc.adapter('mix').loraA.shape).toEqual([5, 8]);
    expectTensorsClose(fc.deltaWeight('mix'), tf.mul(fc.deltaWeight('a'), 0.7), { atol: 1e-5 });
    m.dispose();
  });

  it("'linear' mixes A and B with sign(w)·√|w·s| and √|w·s| and needs equal ranks", () => {
    const m = new Toy();
    injectLora(m, { rank: 2, alpha: 4, targets: ['c_fc'] }, 'a');
    injectLora(m, { rank: 2, alpha: 1, targets: ['c_fc'] }, 'b');
    perturbAdapters(m);
    addWeightedAdapter(m, ['a', 'b'], [0.5, -2], 'mix', 'linear');
    const layer = lora(m, 'h.1.mlp.c_fc');
    const [a, b] = [layer.adapter('a'), layer.adapter('b')];
    const fa = Math.sqrt(0.5 * a.scaling);
    const fb = Math.sqrt(2 * b.scaling);
    expectTensorsClose(layer.adapter('mix').loraA, tf.add(tf.mul(a.loraA, fa), tf.mul(b.loraA, -fb)), { atol: 1e-6 });
    expectTensorsClose(layer.adapter('mix').loraB, tf.add(tf.mul(a.loraB, fa), tf.mul(b.loraB, fb)), { atol: 1e-6 });
    injectLora(m, { rank: 3, alpha: 1, targets: ['c_fc'] }, 'c');
    expect(() => addWeightedAdapter(m, ['a', 'c'], [1, 1], 'bad', 'linear')).toThrow(/'linear' needs equal ranks, "h\.0\.mlp\.c_fc" has a=2, c=3/);
    expect(() => addWeightedAdapter(m, ['a', 'zz'], [1, 1], 'bad')).toThrow(/unknown adapter "zz"/);
    expect(() => addWeightedAdapter(m, ['a'], [1, 1], 'bad')).toThrow(/1 adapters but 2 weights/);
    m.dispose();
  });
});

describe('lifecycle errors', () => {
  it('loraLayers lists every adaptable layer', () => {
    const m = new Toy();
    expect(loraLayers(m).length).toBe(1 + 2 * 4 + 2 + 1);
    m.dispose();
  });
});
