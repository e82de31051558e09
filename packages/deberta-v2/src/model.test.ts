import '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expectTensorsClose, setupTestBackend } from '@lorats/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyLoraAdapter, debertaHeadGroup, loadDebertaV2, readLoraAdapter } from './load-checkpoint.js';
import { DebertaV2ForSequenceClassification, logBucketPosition } from './model.js';

// Golden values from fixtures/generate.py (HF transformers + PEFT on tiny random DeBERTa-v2 models).
const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
interface ModelExpected {
  logits: number[][];
  loss: number;
  hidden_first_token: number[][];
  grads: Record<string, number[]>;
  regression: { labels: number[]; logits: number[][]; loss: number; classifier_weight: number[][]; classifier_bias: number[] };
}
interface Buckets {
  bucket_size: number;
  max_position: number;
  deltas: number[];
  buckets: number[];
}
const expected = JSON.parse(readFileSync(`${FIXTURES}expected.json`, 'utf8')) as {
  input_ids: number[][];
  attention_mask: number[][];
  token_type_ids: number[][];
  labels: number[];
  log_buckets: Buckets;
  log_buckets_small: Buckets;
  models: Record<string, ModelExpected>;
  peft: { rank: number; alpha: number; logits: number[][]; loss: number; grads: Record<string, number[]> };
};
const TOL = { atol: 1e-4, rtol: 1e-4 };

const inputs = () => ({
  inputIds: tf.tensor2d(expected.input_ids, undefined, 'int32'),
  attentionMask: tf.tensor2d(expected.attention_mask, undefined, 'int32'),
  tokenTypeIds: tf.tensor2d(expected.token_type_ids, undefined, 'int32'),
});
const labels = () => tf.tensor1d(expected.labels, 'int32');

function gradsOf(model: DebertaV2ForSequenceClassification, names: string[]): Map<string, tf.Tensor> {
  const vars = new Map(model.namedParameters());
  const list = names.map((n) => {
    const v = vars.get(n);
    if (!v) throw new Error(`no parameter ${n}`);
    return v;
  });
  const { grads } = tf.variableGrads(() => model.loss(model.forward(inputs()), labels()), list);
  return new Map(names.map((n, i) => [n, grads[list[i].name]]));
}

describe('log-bucket relative positions', () => {
  it.each(['log_buckets', 'log_buckets_small'] as const)('match make_log_bucket_position (%s)', (which) => {
    const b = expected[which];
    expect(b.deltas.map((d) => logBucketPosition(d, b.bucket_size, b.max_position))).toEqual(b.buckets);
  });
});

describe.each(['deberta-tiny', 'deberta-tiny-v1'])('DeBERTa-v2 parity with HF transformers: %s', (name) => {
  const want = expected.models[name];
  beforeAll(async () => {
    await setupTestBackend(); // cpu or torch: the vitest project says (vitest.shared.ts onBothBackends)
  });

  it('matches logits, the first token’s hidden state and the loss', async () => {
    const { model } = await loadDebertaV2(`${FIXTURES}${name}`);
    model.eval();
    const logits = model.forward(inputs());
    expectTensorsClose(logits, want.logits, { ...TOL, label: 'logits' });
    const hidden = model.deberta.forward(inputs());
    expectTensorsClose(tf.squeeze(tf.slice(hidden, [0, 0, 0], [-1, 1, -1]), [1]), want.hidden_first_token, { ...TOL, label: 'hidden' });
    expect(model.loss(logits, labels()).dataSync()[0]).toBeCloseTo(want.loss, 4);
  });

  it('matches gradients (classifier, pooler, query projection, relative embeddings)', async () => {
    const { model } = await loadDebertaV2(`${FIXTURES}${name}`);
    model.eval();
    const names = Object.keys(want.grads);
    const grads = gradsOf(model, names);
    for (const n of names) expectTensorsClose(tf.reshape(grads.get(n) as tf.Tensor, [-1]), want.grads[n], { ...TOL, label: n });
  });

  it('regresses with one output and an MSE loss (STS-B)', async () => {
    const { model, report } = await loadDebertaV2(`${FIXTURES}${name}`, { numLabels: 1 });
    expect(report.newHead).toBe(true);
    expect(report.newPooler).toBe(false);
    model.eval();
    model.classifier.weight.assign(tf.tensor2d(want.regression.classifier_weight));
    model.classifier.bias?.assign(tf.tensor1d(want.regression.classifier_bias));
    const logits = model.forward(inputs());
    expectTensorsClose(tf.reshape(logits, [-1]), want.regression.logits, { ...TOL, label: 'regression logits' });
    expect(model.loss(logits, tf.tensor1d(want.regression.labels)).dataSync()[0]).toBeCloseTo(want.regression.loss, 4);
  });
});

describe('DeBERTa-v2 with a PEFT adapter', () => {
  it('matches logits and the loss, pooler and classifier from modules_to_save', async () => {
    const { model } = await loadDebertaV2(`${FIXTURES}deberta-tiny`);
    const adapter = await readLoraAdapter(`${FIXTURES}peft-adapter`);
    expect(adapter).toMatchObject({ format: 'peft', rank: expected.peft.rank, alpha: expected.peft.alpha });
    expect([...adapter.modules.keys()].sort()).toEqual(['classifier.bias', 'classifier.weight', 'pooler.dense.bias', 'pooler.dense.weight']);
    applyLoraAdapter(model, adapter, { mergeWeights: false });
    model.eval();
    const logits = model.forward(inputs());
    expectTensorsClose(logits, expected.peft.logits, { ...TOL, label: 'peft logits' });
    expect(model.loss(logits, labels()).dataSync()[0]).toBeCloseTo(expected.peft.loss, 4);
  });

  it('matches gradients of LoRA A/B (also applied to the relative embeddings) and the pooler', async () => {
    const { model } = await loadDebertaV2(`${FIXTURES}deberta-tiny`);
    applyLoraAdapter(model, await readLoraAdapter(`${FIXTURES}peft-adapter`), { mergeWeights: false });
    model.eval();
    const ours = (peft: string) =>
      peft.replace('base_model.model.', '').replace('.modules_to_save.default', '').replace('.lora_A.default.weight', '.lora_A').replace('.lora_B.default.weight', '.lora_B');
    const names = Object.keys(expected.peft.grads);
    const grads = gradsOf(model, names.map(ours));
    for (const n of names) expectTensorsClose(tf.reshape(grads.get(ours(n)) as tf.Tensor, [-1]), expected.peft.grads[n], { ...TOL, label: n });
  });

  it('drops only the classifier of another label count and keeps the pooler (MNLI → RTE)', async () => {
    const { model } = await loadDebertaV2(`${FIXTURES}deberta-tiny`, { numLabels: 2 });
    const adapter = await readLoraAdapter(`${FIXTURES}peft-adapter`);
    const { droppedKeys } = applyLoraAdapter(model, adapter, { headGroup: debertaHeadGroup });
    expect(droppedKeys.sort()).toEqual(['classifier.bias', 'classifier.weight']);
    const pooler = adapter.modules.get('pooler.dense.weight');
    expectTensorsClose(model.pooler.dense.weight, { dtype: 'float32', shape: pooler?.shape ?? [], data: pooler?.data as Float32Array }, { label: 'pooler kept' });
  });

  it('names the file when config.json is missing', async () => {
    await expect(loadDebertaV2(`${FIXTURES}peft-adapter`)).rejects.toThrow(/peft-adapter\/config\.json/);
  });
});
