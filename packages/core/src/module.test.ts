import * as tf from '@tensorflow/tfjs';
import { expectTensorsClose } from '@lorats/testing';
import { describe, expect, it } from 'vitest';
import { Dropout, Embedding, LayerNorm, Linear, Module, ModuleList, Sequential } from './index.js';

class Block extends Module {
  readonly fc: Linear;
  readonly ln: LayerNorm;
  constructor() {
    super();
    this.fc = this.registerModule('fc', new Linear(4, 3));
    this.ln = this.registerModule('ln', new LayerNorm(3));
    this.registerBuffer('mask', tf.ones([2, 2]));
    this.registerBuffer('scratch', tf.zeros([1]), false);
  }
}

class Net extends Module {
  readonly wte = this.registerModule('wte', new Embedding(10, 4));
  readonly h = this.registerModule('h', new ModuleList([new Block(), new Block()]));
}

describe('Module', () => {
  it('names parameters, buffers and modules with PyTorch keys', () => {
    const net = new Net();
    expect(net.namedParameters().map(([k]) => k)).toEqual([
      'wte.weight',
      'h.0.fc.weight',
      'h.0.fc.bias',
      'h.0.ln.weight',
      'h.0.ln.bias',
      'h.1.fc.weight',
      'h.1.fc.bias',
      'h.1.ln.weight',
      'h.1.ln.bias',
    ]);
    expect(net.namedModules().map(([k]) => k)).toEqual(['', 'wte', 'h', 'h.0', 'h.0.fc', 'h.0.ln', 'h.1', 'h.1.fc', 'h.1.ln']);
    expect([...net.stateDict().keys()]).toContain('h.1.mask');
    expect([...net.stateDict().keys()]).not.toContain('h.1.scratch');
    expect(net.namedBuffers().map(([k]) => k)).toContain('h.1.scratch');
    expect(net.getSubmodule('h.1.fc')).toBe((net.h.at(1) as Block).fc);
    expect(() => net.getSubmodule('h.2.fc')).toThrow(/no submodule "h.2.fc" \(ModuleList has no child "2"\)/);
    expect(net.numParameters()).toBe(40 + 2 * (12 + 3 + 3 + 3));
    net.dispose();
  });

  it('state dict round trip: tf tensors and host tensors load back exactly', () => {
    const a = new Net();
    const b = new Net();
    b.loadStateDict(a.stateDict());
    for (const [k, t] of a.stateDict()) expectTensorsClose(b.stateDict().get(k)!, t, { atol: 0, rtol: 0, label: k });
    const c = new Net();
    const host = Object.fromEntries(
      [...a.stateDict()].map(([k, t]) => [k, { dtype: 'F32', shape: t.shape, data: t.dataSync() as Float32Array }]),
    );
    c.loadStateDict(host);
    for (const [k, t] of a.stateDict()) expectTensorsClose(c.stateDict().get(k)!, t, { atol: 0, rtol: 0, label: k });
    [a, b, c].forEach((m) => m.dispose());
  });

  it('host tensors in float16, bfloat16, float64 and int64 spellings decode', () => {
    const ln = new LayerNorm(2);
    const f16 = new Uint16Array([0x3c00, 0xc000]); // 1, −2
    const bf16 = new Uint16Array([0x3f80, 0x4040]); // 1, 3
    ln.loadStateDict({ weight: { dtype: 'F16', shape: [2], data: f16 }, bias: { dtype: 'BF16', shape: [2], data: bf16 } });
    expectTensorsClose(ln.weight!, [1, -2], { atol: 0 });
    expectTensorsClose(ln.bias!, [1, 3], { atol: 0 });
    ln.loadStateDict({ weight: { dtype: 'float64', shape: [2], data: new Float64Array([0.5, 0.25]) }, bias: { dtype: 'torch.float32', shape: [2], data: [0, 1] } });
    expectTensorsClose(ln.weight!, [0.5, 0.25], { atol: 0 });
    ln.dispose();
  });

  it('strict loading names missing and unexpected keys; non-strict reports them', () => {
    const net = new Net();
    const sd = new Map(net.stateDict());
    sd.delete('h.0.fc.bias');
    sd.set('h.0.fc.lora_A', tf.zeros([2, 4]));
    expect(() => net.loadStateDict(sd)).toThrow(/missing keys: h\.0\.fc\.bias; unexpected keys: h\.0\.fc\.lora_A/);
    const result = net.loadStateDict(sd, { strict: false });
    expect(result).toEqual({ missingKeys: ['h.0.fc.bias'], unexpectedKeys: ['h.0.fc.lora_A'] });
    net.dispose();
  });

  it('a shape or dtype mismatch names the key and module and changes nothing', () => {
    const net = new Net();
    const before = (net.h.at(0) as Block).fc.weight.clone();
    const sd = new Map<string, tf.Tensor>(net.stateDict());
    sd.set('h.0.ln.weight', tf.ones([3])); // valid, would be written first
    sd.set('h.0.fc.weight', tf.zeros([4, 3]));
    expect(() => net.loadStateDict(sd)).toThrow(/state dict key "h\.0\.fc\.weight" \(Linear at "h\.0\.fc"\): shape \[4, 3\] does not match \[3, 4\]/);
    expectTensorsClose((net.h.at(0) as Block).fc.weight, before, { atol: 0 });
    sd.set('h.0.fc.weight', tf.zeros([3, 4], 'int32'));
    expect(() => net.loadStateDict(sd)).toThrow(/h\.0\.fc\.weight.*dtype int32 does not match float32/);
    expect(() => net.loadStateDict({ ...Object.fromEntries(net.stateDict()), 'wte.weight': { dtype: 'F32', shape: [10, 4], data: new Float32Array(3) } })).toThrow(
      /"wte\.weight": 3 values for shape \[10, 4\]/,
    );
    net.dispose();
  });

  it('train()/eval() reach every descendant; Sequential and Dropout follow the mode', () => {
    const seq = new Sequential(new Linear(4, 4), new Dropout(0.5, { seed: 1 }));
    const x = tf.ones([8, 4]);
    seq.eval();
    expect(seq.namedModules().every(([, m]) => !m.training)).toBe(true);
    expectTensorsClose(seq.forward(x), seq.forward(x), { atol: 0 }); // no dropout in eval
    seq.train();
    expect(seq.namedModules().every(([, m]) => m.training)).toBe(true);
    const zeros = Array.from(seq.forward(x).dataSync()).filter((v) => v === 0).length;
    expect(zeros).toBeGreaterThan(0);
    seq.dispose();
  });

  it('Dropout with a seed repeats its masks; masks scale kept values by 1/(1−p)', () => {
    const a = new Dropout(0.25, { seed: 7 });
    const b = new Dropout(0.25, { seed: 7 });
    const x = tf.ones([64]);
    const ya = a.forward(x);
    expectTensorsClose(ya, b.forward(x), { atol: 0 });
    expect(new Set(ya.dataSync())).toEqual(new Set([0, Math.fround(1 / 0.75)]));
    expect(() => new Dropout(1)).toThrow(/probability must be in \[0, 1\)/);
  });

  it('dispose frees every tensor the tree holds', () => {
    const before = tf.memory().numTensors;
    const net = new Net();
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    net.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('toString lists the tree like PyTorch', () => {
    const net = new Net();
    expect(net.toString()).toContain('(fc): Linear(in=4, out=3, bias=true)');
    net.dispose();
  });
});
