import * as tf from '@tensorflow/tfjs';
import { expectTensorsClose } from '@lorats/testing';
import { describe, expect, it } from 'vitest';
import { perturbAdapters, Toy, toyIds } from '../test/toy-model.js';
import {
  injectLora,
  type LoraConfig,
  type LoraLayer,
  loadPeftAdapter,
  loraConfigFromPeft,
  loraConfigToPeft,
  manualSeed,
  MergedLinear,
  Module,
  parsePeftKey,
  peftAdapter,
  peftKey,
  withAdaptersDisabled,
} from './index.js';

describe('PEFT key naming', () => {
  it('spells Linear and Embedding factors as PEFT saves them, and parses them back', () => {
    expect(peftKey('transformer.h.0.attn.c_attn', 'lora_A')).toBe('base_model.model.transformer.h.0.attn.c_attn.lora_A.weight');
    expect(peftKey('wte', 'lora_embedding_B')).toBe('base_model.model.wte.lora_embedding_B');
    expect(parsePeftKey('base_model.model.h.0.attn.c_attn.lora_B.weight')).toEqual({ path: 'h.0.attn.c_attn', role: 'lora_B' });
    expect(parsePeftKey('base_model.model.h.0.attn.c_attn.lora_A.default.weight')).toEqual({ path: 'h.0.attn.c_attn', role: 'lora_A', adapter: 'default' });
    expect(parsePeftKey('base_model.model.wte.lora_embedding_A')).toEqual({ path: 'wte', role: 'lora_embedding_A' });
    expect(parsePeftKey('base_model.model.classifier.dense.weight')).toEqual({ path: 'classifier.dense.weight', role: 'other' });
  });
});

describe('LoraConfig ↔ adapter_config.json', () => {
  it('round-trips every field', () => {
    const config: LoraConfig = {
      rank: 4,
      alpha: 32,
      dropout: 0.1,
      targets: ['query', 'value'],
      exclude: 'h\\.0\\..*',
      layersToTransform: [1, 2],
      layersPattern: 'layer',
      rankPattern: { value: 8 },
      alphaPattern: { value: 16 },
      bias: 'lora_only',
      useRsLora: true,
      init: 'gaussian',
      modulesToSave: ['classifier'],
      fanInFanOut: false,
    };
    const json = loraConfigToPeft(config, { taskType: 'SEQ_CLS', baseModel: 'roberta-base' });
    expect(json).toMatchObject({ peft_type: 'LORA', r: 4, lora_alpha: 32, lora_dropout: 0.1, target_modules: ['query', 'value'], use_rslora: true, init_lora_weights: 'gaussian', task_type: 'SEQ_CLS' });
    expect(loraConfigFromPeft(JSON.parse(JSON.stringify(json)))).toEqual(config);
  });

  it('uses PEFT defaults and names the field of a bad or unsupported value', () => {
    expect(loraConfigFromPeft({ target_modules: ['q'] })).toMatchObject({ rank: 8, alpha: 8, dropout: 0, bias: 'none', init: true });
    expect(() => loraConfigFromPeft({ target_modules: ['q'], use_dora: true }, 'x/adapter_config.json')).toThrow(/x\/adapter_config\.json: use_dora is set, which lorats does not support/);
    expect(() => loraConfigFromPeft({ target_modules: ['q'], r: 0 })).toThrow(/r must be a positive integer, got 0/);
    expect(() => loraConfigFromPeft({ target_modules: ['q'], bias: 'some' })).toThrow(/bias Unknown bias mode "some"/);
    expect(() => loraConfigFromPeft({ target_modules: ['q'], init_lora_weights: 'olora' })).toThrow(/init_lora_weights "olora" is not supported/);
    expect(() => loraConfigFromPeft({ peft_type: 'IA3', target_modules: ['q'] })).toThrow(/peft_type is "IA3", not "LORA"/);
    expect(() => loraConfigFromPeft({})).toThrow(/target_modules is missing/);
  });
});

describe('PEFT adapter export and load', () => {
  it('exports PEFT keys and config, and a fresh model loading them computes the same output', () => {
    const a = new Toy();
    injectLora(a, { rank: 2, alpha: 4, targets: ['c_fc', 'wte'], rankPattern: { 'h\\.1\\.mlp\\.c_fc': 3 }, modulesToSave: ['classifier'] });
    perturbAdapters(a);
    const { config, tensors } = peftAdapter(a);
    expect([...tensors.keys()].sort()).toEqual(
      [
        'base_model.model.wte.lora_embedding_A',
        'base_model.model.wte.lora_embedding_B',
        'base_model.model.h.0.mlp.c_fc.lora_A.weight',
        'base_model.model.h.0.mlp.c_fc.lora_B.weight',
        'base_model.model.h.1.mlp.c_fc.lora_A.weight',
        'base_model.model.h.1.mlp.c_fc.lora_B.weight',
        'base_model.model.classifier.dense.weight',
        'base_model.model.classifier.dense.bias',
        'base_model.model.classifier.out_proj.weight',
        'base_model.model.classifier.out_proj.bias',
      ].sort(),
    );
    expect(tensors.get('base_model.model.wte.lora_embedding_A')!.shape).toEqual([2, 20]);
    expect(config).toMatchObject({ r: 2, lora_alpha: 4, modules_to_save: ['classifier'], target_modules: ['c_fc', 'wte'] });
    expect(config.rank_pattern).toEqual({ 'h\\.1\\.mlp\\.c_fc': 3 });

    const b = new Toy();
    b.loadStateDict(withAdaptersDisabled(a, () => new Map([...a.stateDict()].filter(([k]) => !k.includes('lora_')))));
    const result = loadPeftAdapter(b, { config: JSON.parse(JSON.stringify(config)), tensors }, 'default', 'toy-adapter');
    expect(result.adapted).toEqual(['wte', 'h.0.mlp.c_fc', 'h.1.mlp.c_fc']);
    expect(result.missing).toEqual([]);
    expect((b.getSubmodule('h.1.mlp.c_fc') as LoraLayer).adapter().rank).toBe(3);
    const ids = toyIds();
    expectTensorsClose(b.forward(ids), a.forward(ids), { atol: 1e-6 });
    a.dispose();
    b.dispose();
  });

  it('MergedLinear groups travel as exact plain LoRA (rank·E, alpha·E) and come back grouped', () => {
    const a = new Toy();
    injectLora(a, { rank: 2, alpha: 4, targets: ['c_attn', 'c_fc'], enableLora: { c_attn: [true, false, true] } });
    perturbAdapters(a);
    const { config, tensors } = peftAdapter(a);
    expect(tensors.get('base_model.model.h.0.attn.c_attn.lora_B.weight')!.shape).toEqual([24, 4]);
    // the most common (rank, alpha) is r / lora_alpha: here the expanded c_attn's (4, 8), seen first
    expect(config).toMatchObject({ r: 4, lora_alpha: 8 });
    expect(config.rank_pattern).toEqual({ 'h\\.0\\.mlp\\.c_fc': 2, 'h\\.1\\.mlp\\.c_fc': 2 });
    expect(config.alpha_pattern).toEqual({ 'h\\.0\\.mlp\\.c_fc': 4, 'h\\.1\\.mlp\\.c_fc': 4 });
    // into a model whose c_attn is a plain Linear: a rank-4 LoRA with the same ΔW
    const b = new Toy();
    b.loadStateDict(withAdaptersDisabled(a, () => new Map([...a.stateDict()].filter(([k]) => !k.includes('lora_')))));
    loadPeftAdapter(b, { config: { ...config }, tensors });
    const la = a.getSubmodule('h.0.attn.c_attn') as LoraLayer;
    const lb = b.getSubmodule('h.0.attn.c_attn') as LoraLayer;
    expect(lb.adapter().rank).toBe(4);
    expectTensorsClose(lb.deltaWeight(), la.deltaWeight(), { atol: 1e-6 });
    expectTensorsClose((b.getSubmodule('h.1.mlp.c_fc') as LoraLayer).deltaWeight(), (a.getSubmodule('h.1.mlp.c_fc') as LoraLayer).deltaWeight(), { atol: 1e-6 });
    a.dispose();
    b.dispose();
  });

  it('a loralib MergedLinear adapter exported to PEFT loads back into a MergedLinear in grouped form', () => {
    class Attn extends Module {
      readonly c_attn: MergedLinear;
      constructor(rank: number) {
        super();
        this.c_attn = this.registerModule('c_attn', new MergedLinear(8, 24, { rank, alpha: 4, enableLora: [true, false, true], fanInFanOut: true }));
      }
    }
    const a = new Attn(2);
    perturbAdapters(a);
    const { config, tensors } = peftAdapter(a);
    expect(config).toMatchObject({ r: 4, lora_alpha: 8, fan_in_fan_out: true, target_modules: ['c_attn'] });
    const b = new Attn(0);
    b.loadStateDict({ 'c_attn.weight': a.c_attn.weight, 'c_attn.bias': a.c_attn.bias! });
    loadPeftAdapter(b, { config: { ...config }, tensors });
    const back = b.c_attn.adapter();
    expect(back.enableLora).toEqual([true, false, true]);
    expect(back.rank).toBe(2);
    expect(back.scaling).toBe(a.c_attn.adapter().scaling);
    expectTensorsClose(back.loraB, a.c_attn.adapter().loraB, { atol: 0 });
    const x = tf.randomNormal([2, 8]);
    expectTensorsClose(b.c_attn.forward(x), a.c_attn.forward(x), { atol: 1e-6 });
    a.dispose();
    b.dispose();
  });

  it('rejects unknown modules, wrong shapes and lone factors, naming the file and key, and adds nothing', () => {
    const m = new Toy();
    const key = 'base_model.model.h.0.mlp.c_fc';
    const cfg = { target_modules: ['c_fc'], r: 2, lora_alpha: 2 };
    const A = { dtype: 'F32', shape: [2, 8], data: new Float32Array(16) };
    const B = { dtype: 'F32', shape: [16, 2], data: new Float32Array(32) };
    expect(() => loadPeftAdapter(m, { config: cfg, tensors: { 'base_model.model.h.9.mlp.c_fc.lora_A.weight': A, 'base_model.model.h.9.mlp.c_fc.lora_B.weight': B } }, 'x', 'f')).toThrow(
      /f: key "base_model\.model\.h\.9\.mlp\.c_fc\.lora_A\.weight" names module "h\.9\.mlp\.c_fc", which Toy does not have/,
    );
    expect(() => loadPeftAdapter(m, { config: cfg, tensors: { [`${key}.lora_A.weight`]: { ...A, shape: [2, 4], data: new Float32Array(8) }, [`${key}.lora_B.weight`]: B } }, 'x', 'f')).toThrow(
      /f: "h\.0\.mlp\.c_fc" lora_A \[2,4\] does not fit Linear \(expected \[2,8\]\)/,
    );
    expect(() => loadPeftAdapter(m, { config: cfg, tensors: { [`${key}.lora_A.weight`]: A } }, 'x', 'f')).toThrow(/f: module "h\.0\.mlp\.c_fc" has only one LoRA factor/);
    expect(() => loadPeftAdapter(m, { config: cfg, tensors: { 'base_model.model.score.weight': A } }, 'x', 'f')).toThrow(/f: key "base_model\.model\.score\.weight" names no parameter of Toy/);
    expect([...m.stateDict().keys()].some((k) => k.includes('lora_'))).toBe(false);
    m.dispose();
  });

  it('conv adapters (loralib layout) are refused for PEFT export', () => {
    const m = new Toy();
    injectLora(m, { rank: 1, alpha: 1, targets: ['patch'] });
    expect(() => peftAdapter(m)).toThrow(/"patch" is a Conv2d adapter in loralib's conv layout/);
    expect(() => peftAdapter(m, { adapter: 'other' })).toThrow(/Toy has no adapter "other"/);
    m.dispose();
  });
});

describe('init variants', () => {
  it("'gaussian': A ~ N(0, 1/rank), B = 0; false: B random too", () => {
    const m = new Toy();
    injectLora(m, { rank: 4, alpha: 4, targets: ['c_fc'], init: 'gaussian' });
    const a = (m.getSubmodule('h.0.mlp.c_fc') as LoraLayer).adapter();
    const std = Math.sqrt(tf.mean(tf.square(a.loraA)).dataSync()[0]);
    expect(std).toBeGreaterThan(0.1);
    expect(std).toBeLessThan(0.45);
    expect(tf.max(tf.abs(a.loraB)).dataSync()[0]).toBe(0);
    injectLora(m, { rank: 4, alpha: 4, targets: ['c_fc'], init: false }, 'f');
    expect(tf.max(tf.abs((m.getSubmodule('h.0.mlp.c_fc') as LoraLayer).adapter('f').loraB)).dataSync()[0]).toBeGreaterThan(0);
    m.dispose();
  });

  it.each(['pissa', 'pissa_niter_8'] as const)("'%s' keeps W = residual + scaling·B·A and puts the top singular directions in the adapter", (init) => {
    manualSeed(11); // deterministic weights and randomized-SVD draws
    const m = new Toy();
    const layer = m.getSubmodule('h.0.mlp.c_fc') as LoraLayer & { forward(x: tf.Tensor): tf.Tensor };
    const w0 = layer.weight.clone(); // [16, 8]
    const x = tf.randomNormal([3, 8]);
    const y0 = layer.forward(x);
    injectLora(m, { rank: 3, alpha: 6, targets: ['c_fc'], init });
    manualSeed(undefined);
    expectTensorsClose(tf.add(layer.weight, layer.deltaWeight()), w0, { atol: 1e-5 });
    expectTensorsClose(layer.forward(x), y0, { atol: 1e-5 });
    const s = (t: tf.Tensor): number[] => {
      const d = t.arraySync() as number[][];
      // singular values from the eigenvalues of tᵀt via the host SVD
      return Array.from(svdValues(d));
    };
    const top = s(w0).slice(0, 3);
    const adapterS = s(layer.deltaWeight()).slice(0, 3);
    for (let i = 0; i < 3; i++) expect(adapterS[i]).toBeCloseTo(top[i], init === 'pissa' ? 4 : 1);
    m.dispose();
  });
});

import { svd, svdLowRank } from './index.js';

function svdValues(rows: number[][]): Float64Array {
  return svd(rows.flat(), rows.length, rows[0].length).s;
}

describe('host SVD', () => {
  it('reconstructs the matrix with orthonormal factors and descending values', () => {
    const m = 7;
    const n = 5;
    const w = Array.from({ length: m * n }, (_, i) => Math.sin(i * 1.7) + 0.1 * i);
    for (const [rows, cols, data] of [
      [m, n, w],
      [n, m, w],
    ] as const) {
      const d = svd(data, rows, cols);
      for (let i = 0; i < rows; i++)
        for (let j = 0; j < cols; j++) {
          let acc = 0;
          for (let r = 0; r < d.k; r++) acc += d.u[i * d.k + r] * d.s[r] * d.vt[r * cols + j];
          expect(acc).toBeCloseTo(data[i * cols + j], 10);
        }
      for (let r = 1; r < d.k; r++) expect(d.s[r]).toBeLessThanOrEqual(d.s[r - 1]);
      for (let p = 0; p < d.k; p++)
        for (let q = 0; q < d.k; q++) {
          let dot = 0;
          for (let j = 0; j < cols; j++) dot += d.vt[p * cols + j] * d.vt[q * cols + j];
          expect(dot).toBeCloseTo(p === q ? 1 : 0, 10);
        }
    }
  });

  it('randomized SVD recovers a low-rank matrix exactly', () => {
    const u = [1, 2, 0, -1, 3, 0.5];
    const v = [0.5, -1, 2, 1];
    const u2 = [0, 1, 1, 0, -2, 1];
    const v2 = [1, 1, 0, -1];
    const w = u.flatMap((a, i) => v.map((b, j) => 3 * a * b + u2[i] * v2[j]));
    const exact = svd(w, 6, 4).s;
    const approx = svdLowRank(w, 6, 4, 2, 2).s;
    expect(approx[0]).toBeCloseTo(exact[0], 8);
    expect(approx[1]).toBeCloseTo(exact[1], 8);
  });
});
