import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { setupTestBackend } from '@lorats/testing';
import { beamSearch } from './generate.js';
import { Gpt2LMModel, initGpt2Weights } from './model.js';
import { GPT2_TINY } from './config.js';
import { loadGenerated, readFixture, toConfig, type PyConfig } from '../test/fixtures.js';

beforeAll(async () => {
  await setupTestBackend(); // cpu or torch: the vitest project says (vitest.shared.ts onBothBackends)
});

interface Reference {
  tiny: {
    config: PyConfig; seed: number; lora: { rank: number; alpha: number };
    ids: number[][]; target: number[][]; mask: number[][];
    logitsBase: number[]; logitsLora: number[]; lossBase: number; lossLora: number; lossLoraSmoothed: number;
  };
  medium: { config: PyConfig; seed: number; lora: { rank: number; alpha: number }; ids: number[][]; target: number[][]; mask: number[][]; logitsLora: number[]; lossLoraSmoothed: number };
  beam: {
    queries: number[][];
    cases: Array<{
      args: { seq_len: number; eval_len: number; beam: number; length_penalty: number; no_repeat_ngram_size: number; repetition_penalty: number; min_length: number; eos: number[] };
      sequences: number[][];
      scores: number[];
    }>;
  };
}

const ref = readFixture<Reference>('reference.json');

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function batchOf(ids: number[][], target: number[][], mask: number[][]) {
  const B = ids.length;
  const T = ids[0].length;
  return { batchSize: B, seqLength: T, input: Int32Array.from(ids.flat()), target: Int32Array.from(target.flat()), mask: Float32Array.from(mask.flat()) };
}

function tinyModel(withLora: boolean): Gpt2LMModel {
  const t = ref.tiny;
  const model = new Gpt2LMModel(toConfig(t.config), withLora ? { ...t.lora, dropout: 0 } : undefined);
  loadGenerated(model, t.seed, withLora ? t.lora.rank : 0);
  model.eval();
  return model;
}

describe('GPT-2 forward (parity with a PyTorch implementation of examples/NLG model.py)', () => {
  it('gives the reference logits and losses with and without the loralib adapter', () => {
    const t = ref.tiny;
    for (const [withLora, logits, loss] of [
      [false, t.logitsBase, t.lossBase],
      [true, t.logitsLora, t.lossLora],
    ] as const) {
      const model = tinyModel(withLora);
      const ids = tf.tensor2d(t.ids, undefined, 'int32');
      const out = model.forward(ids);
      expect(maxAbsDiff(out.dataSync(), logits)).toBeLessThan(1e-4);
      const l = model.loss(batchOf(t.ids, t.target, t.mask));
      expect(l.dataSync()[0]).toBeCloseTo(loss, 4);
      tf.dispose([ids, out, l]);
      model.dispose();
    }
  });

  it('applies label smoothing as (1−ε)·NLL + ε·mean(−log p)', () => {
    const t = ref.tiny;
    const model = tinyModel(true);
    const l = model.loss(batchOf(t.ids, t.target, t.mask), { labelSmoothing: 0.1 });
    expect(l.dataSync()[0]).toBeCloseTo(t.lossLoraSmoothed, 4);
    tf.dispose(l);
    model.dispose();
  });

  it('matches a one-layer slice of GPT-2 Medium width (C 1024, H 16) with the paper LoRA', () => {
    const m = ref.medium;
    const model = new Gpt2LMModel(toConfig(m.config), { ...m.lora, dropout: 0 });
    loadGenerated(model, m.seed, m.lora.rank);
    model.eval();
    const ids = tf.tensor2d(m.ids, undefined, 'int32');
    const out = model.forward(ids);
    expect(maxAbsDiff(out.dataSync(), m.logitsLora)).toBeLessThan(1e-4);
    const l = model.loss(batchOf(m.ids, m.target, m.mask), { labelSmoothing: 0.1 });
    expect(l.dataSync()[0]).toBeCloseTo(m.lossLoraSmoothed, 4);
    tf.dispose([ids, out, l]);
    model.dispose();
  });
});

describe('KV cache', () => {
  it('prefill + step give the logits of a full forward, with prompts of different lengths', () => {
    const model = tinyModel(true);
    const prompts = [[5, 17, 3, 88], [90, 1]];
    const next = [[41, 2, 60], [45, 23, 67]];
    let { logits, cache } = model.prefill(prompts);
    const seen = prompts.map((p) => [...p]);
    for (let i = 0; i <= next[0].length; i++) {
      for (let r = 0; r < prompts.length; r++) {
        const full = model.forward(tf.tensor2d([seen[r]], undefined, 'int32'));
        const want = tf.slice(full, [0, seen[r].length - 1, 0], [1, 1, -1]).dataSync();
        const got = tf.slice(logits, [r, 0], [1, -1]).dataSync();
        expect(maxAbsDiff(got, want)).toBeLessThan(1e-4);
        tf.dispose(full);
      }
      logits.dispose();
      if (i === next[0].length) break;
      const tokens = next.map((n) => n[i]);
      tokens.forEach((t, r) => seen[r].push(t));
      ({ logits, cache } = model.step(tokens, cache));
    }
    model.disposeCache(cache);
    model.dispose();
  });

  it('reorders rows for beams', () => {
    const model = tinyModel(false);
    const { logits, cache } = model.prefill([[1, 2, 3], [4, 5]]);
    const swapped = model.reorderCache(cache, [1, 1, 0]);
    expect(swapped.lengths).toEqual([2, 2, 3]);
    expect(swapped.keys[0].shape[0]).toBe(3);
    const { logits: l2, cache: c2 } = model.step([7, 7, 7], swapped);
    const d = l2.dataSync();
    const V = model.vocabSize;
    expect(maxAbsDiff(d.subarray(0, V), d.subarray(V, 2 * V))).toBe(0);
    tf.dispose([logits, l2]);
    model.disposeCache(c2);
    model.dispose();
  });
});

describe('beam search (parity with a PyTorch implementation of gpt2_beam.py)', () => {
  it.each(ref.beam.cases.map((c, i) => [i, c] as const))('case %i', (_, c) => {
    const model = tinyModel(true);
    const a = c.args;
    const queries = ref.beam.queries.map((q) => q.slice(-(a.seq_len - a.eval_len)));
    const out = beamSearch(model, queries, {
      beams: a.beam,
      maxNewTokens: a.eval_len,
      lengthPenalty: a.length_penalty,
      noRepeatNgramSize: a.no_repeat_ngram_size,
      repetitionPenalty: a.repetition_penalty,
      minLength: a.min_length,
      eosTokenIds: a.eos,
    });
    expect(out.map((o) => o.tokens)).toEqual(c.sequences);
    out.forEach((o, i) => expect(o.score).toBeCloseTo(c.scores[i], 4));
    model.dispose();
  });
});

describe('initialisation', () => {
  it('draws N(0, 0.02) projections, unit LayerNorm and zero LoRA B (so the adapter starts as a no-op)', () => {
    const model = new Gpt2LMModel(GPT2_TINY, { rank: 4, alpha: 32, dropout: 0 });
    initGpt2Weights(model);
    const params = new Map(model.namedParameters());
    const w = params.get('transformer.h.0.mlp.c_fc.weight')!;
    const data = Array.from(w.dataSync());
    const std = Math.sqrt(data.reduce((s, x) => s + x * x, 0) / data.length);
    expect(std).toBeGreaterThan(0.018);
    expect(std).toBeLessThan(0.022);
    expect(Array.from(params.get('transformer.ln_f.weight')!.dataSync()).every((x) => x === 1)).toBe(true);
    expect(Array.from(params.get('transformer.h.1.attn.c_attn.lora_B')!.dataSync()).every((x) => x === 0)).toBe(true);
    expect(params.get('transformer.h.0.attn.c_attn.lora_A')!.shape).toEqual([8, 64]);
    expect(params.get('transformer.h.0.attn.c_attn.lora_B')!.shape).toEqual([128, 4]);
    expect(params.get('transformer.h.0.attn.c_attn.weight')!.shape).toEqual([64, 192]);
    model.dispose();
  });
});

describe('embedding lookup', () => {
  it('gives the same logits and embedding gradients by one-hot matmul (trainable) as by gather', () => {
    const ids = tf.tensor2d(ref.tiny.ids, undefined, 'int32');
    const gradOf = (gather: boolean) => {
      const model = tinyModel(false);
      const wte = model.transformer.wte;
      // An adapter sends the lookup through the layer's gather; with loralib's Embedding init (A = 0) it adds exactly 0.
      if (gather) wte.addAdapter('probe', { rank: 2 });
      wte.weight.trainable = true;
      const { value, grads } = tf.variableGrads(() => tf.sum(model.forward(ids)) as tf.Scalar, [wte.weight]);
      const out = { loss: value.dataSync()[0], grad: grads[wte.weight.name].dataSync() };
      tf.dispose([value, ...Object.values(grads)]);
      model.dispose();
      return out;
    };
    const a = gradOf(false);
    const b = gradOf(true);
    expect(a.loss).toBe(b.loss);
    expect(maxAbsDiff(a.grad, b.grad)).toBeLessThan(1e-5);
    ids.dispose();
  });
});
