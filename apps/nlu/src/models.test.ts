import '@tensorflow/tfjs';
import { DEFAULT_ADAPTER, Linear } from '@lorats/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { syntheticCorpus } from './datasets/synthetic-glue.js';
import { addLora, isHeadKey, markTrainable, tinyRoberta } from './models.js';

const stats = (t: tf.Tensor) => {
  const v = Array.from(t.dataSync());
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  return { std: Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length), max: Math.max(...v.map(Math.abs)) };
};

describe('LoRA as examples/NLU adds it', () => {
  const corpus = syntheticCorpus();

  it('puts rank-r adapters on query and value only, with B = 0 so the model starts unchanged', () => {
    const nlu = tinyRoberta(corpus, 2);
    const ids = tf.tensor2d([[0, 40, 41, 42, 2]], undefined, 'int32');
    const before = nlu.model.eval().forward({ inputIds: ids }).dataSync();
    const paths = addLora(nlu.model, { rank: 8, alpha: 16, dropout: 0, targets: ['query', 'value'], mergeWeights: true, initStd: null });
    expect(paths).toEqual([0, 1].flatMap((l) => [`roberta.encoder.layer.${l}.attention.self.query`, `roberta.encoder.layer.${l}.attention.self.value`]));
    const q = nlu.model.getSubmodule(paths[0]) as Linear;
    const a = q.adapter(DEFAULT_ADAPTER);
    expect(a.scaling).toBe(2);
    expect(stats(a.loraB).max).toBe(0);
    expect(stats(a.loraA).max).toBeLessThanOrEqual(1 / Math.sqrt(32)); // Kaiming-uniform(a=√5): U(±1/√in)
    nlu.model.train();
    expect(Array.from(nlu.model.eval().forward({ inputIds: ids }).dataSync())).toEqual(Array.from(before));
  });

  it('draws A ~ N(0, 0.02) when asked (DeBERTa), and does not merge', () => {
    const nlu = tinyRoberta(corpus, 2);
    const paths = addLora(nlu.model, { rank: 16, alpha: 32, dropout: 0, targets: ['query'], mergeWeights: false, initStd: 0.02 });
    const q = nlu.model.getSubmodule(paths[0]) as Linear;
    expect(stats(q.adapter().loraA).std).toBeGreaterThan(0.015);
    expect(stats(q.adapter().loraA).std).toBeLessThan(0.025);
    nlu.model.eval();
    expect(q.merged).toBe(false);
  });

  it('trains only A, B and the head', () => {
    const nlu = tinyRoberta(corpus, 3);
    addLora(nlu.model, { rank: 8, alpha: 16, dropout: 0, targets: ['query', 'value'], mergeWeights: true, initStd: null });
    const names = markTrainable(nlu).map(([n]) => n);
    expect(names.filter((n) => n.includes('lora_'))).toHaveLength(8);
    expect(names.filter((n) => !n.includes('lora_'))).toEqual(['classifier.dense.weight', 'classifier.dense.bias', 'classifier.out_proj.weight', 'classifier.out_proj.bias']);
    expect(isHeadKey('deberta-v2', 'pooler.dense.weight')).toBe(true);
    expect(isHeadKey('roberta', 'pooler.dense.weight')).toBe(false);
    expect(() => addLora(nlu.model, { rank: 8, alpha: 16, dropout: 0, targets: ['query_proj'], mergeWeights: true, initStd: null })).toThrow(/no Linear layer is named query_proj/);
  });
});
