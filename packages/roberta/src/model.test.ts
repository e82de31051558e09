import '@tensorflow/tfjs';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadCheckpoint, loadSafetensors } from '@lorats/checkpoints';
import { DEFAULT_ADAPTER, Linear, namedTrainableVariables } from '@lorats/core';
import { expectTensorsClose, setupTestBackend } from '@lorats/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyLoraAdapter, coreStateDict, loadRoberta, readLoraAdapter, robertaHeadGroup } from './load-checkpoint.js';
import { RobertaForSequenceClassification, positionIds } from './model.js';

// Golden values from fixtures/generate.py (HF transformers + PEFT on a tiny random roberta-base-shaped model).
const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
interface Expected {
  input_ids: number[][];
  attention_mask: number[][];
  labels: number[];
  logits: number[][];
  loss: number;
  hidden_first_token: number[][];
  grads: Record<string, number[]>;
  regression: { labels: number[]; logits: number[][]; loss: number };
  peft: { rank: number; alpha: number; logits: number[][]; merged_logits: number[][]; loss: number; grads: Record<string, number[]> };
  loralib: { rank: number; alpha: number; logits: number[][] };
}
const expected = JSON.parse(readFileSync(`${FIXTURES}expected.json`, 'utf8')) as Expected;
const TOL = { atol: 1e-4, rtol: 1e-4 };

function inputs() {
  return { inputIds: tf.tensor2d(expected.input_ids, undefined, 'int32'), attentionMask: tf.tensor2d(expected.attention_mask, undefined, 'int32') };
}

async function load(): Promise<RobertaForSequenceClassification> {
  return (await loadRoberta(`${FIXTURES}roberta-tiny`)).model.eval();
}

/** Gradients of the mean loss (eval mode: no dropout) with respect to the named parameters. */
function gradsOf(model: RobertaForSequenceClassification, names: string[]): Map<string, tf.Tensor> {
  const vars = new Map(model.namedParameters());
  const list = names.map((n) => {
    const v = vars.get(n);
    if (!v) throw new Error(`no parameter ${n}`);
    return v;
  });
  const { grads } = tf.variableGrads(() => model.loss(model.forward(inputs()), tf.tensor1d(expected.labels, 'int32')), list);
  return new Map(names.map((n, i) => [n, grads[list[i].name]]));
}

describe('RoBERTa parity with HF transformers', () => {
  beforeAll(async () => {
    await setupTestBackend(); // cpu or torch: the vitest project says (vitest.shared.ts onBothBackends)
  });

  it('gives the same position ids as create_position_ids_from_input_ids', () => {
    const ids = tf.tensor2d([[0, 5, 6, 2, 1, 1]], undefined, 'int32');
    expect(Array.from(positionIds(ids, 1).dataSync())).toEqual([2, 3, 4, 5, 1, 1]);
  });

  it('matches logits, hidden states and the loss of a padded pair batch', async () => {
    const model = await load();
    const x = inputs();
    expectTensorsClose(model.forward(x), expected.logits, { ...TOL, label: 'logits' });
    const hidden = model.roberta.forward(x);
    expectTensorsClose(tf.squeeze(tf.slice(hidden, [0, 0, 0], [-1, 1, -1]), [1]), expected.hidden_first_token, { ...TOL, label: 'hidden' });
    const loss = model.loss(model.forward(x), tf.tensor1d(expected.labels, 'int32'));
    expect(loss.dataSync()[0]).toBeCloseTo(expected.loss, 4);
  });

  it('matches gradients of the loss', async () => {
    const model = await load();
    const names = Object.keys(expected.grads);
    const grads = gradsOf(model, names);
    for (const n of names) expectTensorsClose(tf.reshape(grads.get(n) as tf.Tensor, [-1]), expected.grads[n], { ...TOL, label: n });
  });

  it('loads the same weights from a PyTorch .bin', async () => {
    const fromBin = await load();
    const { tensors } = await loadCheckpoint(`${FIXTURES}roberta-tiny-state.bin`);
    fromBin.loadStateDict(coreStateDict(new Map([...tensors].filter(([k]) => !k.endsWith('position_ids')))), { strict: true });
    expectTensorsClose(fromBin.forward(inputs()), expected.logits, { ...TOL, label: 'logits from .bin' });
  });

  it('regresses with one output and an MSE loss (STS-B)', async () => {
    const { model: reg } = await loadRoberta(`${FIXTURES}roberta-tiny`, { numLabels: 1 });
    reg.eval();
    const { tensors } = await loadSafetensors(`${FIXTURES}regression-head.safetensors`);
    reg.loadStateDict(coreStateDict(tensors), { strict: false });
    const logits = reg.forward(inputs());
    expectTensorsClose(logits, expected.regression.logits, { ...TOL, label: 'regression logits' });
    expect(reg.loss(logits, tf.tensor1d(expected.regression.labels)).dataSync()[0]).toBeCloseTo(expected.regression.loss, 4);
  });

  it('matches a PEFT adapter with its modules_to_save head, merged or not', async () => {
    const model = await load();
    const adapter = await readLoraAdapter(`${FIXTURES}peft-adapter`);
    expect(adapter).toMatchObject({ format: 'peft', rank: expected.peft.rank, alpha: expected.peft.alpha });
    applyLoraAdapter(model, adapter);
    model.train(); // unmerged
    model.eval(); // merged again (loralib merge_weights)
    const q = model.getSubmodule('roberta.encoder.layer.0.attention.self.query') as Linear;
    expect(q.merged).toBe(true);
    expectTensorsClose(model.forward(inputs()), expected.peft.merged_logits, { ...TOL, label: 'merged logits' });
    model.train();
    for (const [, m] of model.namedModules()) if (m instanceof Linear) m.mergeWeights = false;
    model.eval();
    expect(q.merged).toBe(false);
    expectTensorsClose(model.forward(inputs()), expected.peft.logits, { ...TOL, label: 'unmerged logits' });
  });

  it('matches gradients of LoRA A/B and the head under a PEFT adapter', async () => {
    const model = await load();
    applyLoraAdapter(model, await readLoraAdapter(`${FIXTURES}peft-adapter`), { mergeWeights: false });
    const ours = (peft: string) =>
      peft.replace('base_model.model.', '').replace('.modules_to_save.default', '').replace('.lora_A.default.weight', '.lora_A').replace('.lora_B.default.weight', '.lora_B');
    const names = Object.keys(expected.peft.grads);
    const grads = gradsOf(model, names.map(ours));
    for (const n of names) expectTensorsClose(tf.reshape(grads.get(ours(n)) as tf.Tensor, [-1]), expected.peft.grads[n], { ...TOL, label: n });
  });

  it('matches a loralib adapter file given alpha, and refuses one without', async () => {
    const model = await load();
    const adapter = await readLoraAdapter(`${FIXTURES}loralib-adapter.bin`);
    expect(adapter.format).toBe('loralib');
    expect(() => applyLoraAdapter(model, adapter)).toThrow(/pass --alpha/);
    applyLoraAdapter(model, adapter, { alpha: expected.loralib.alpha });
    expectTensorsClose(model.forward(inputs()), expected.loralib.logits, { ...TOL, label: 'loralib logits' });
  });

  it('drops a head of another label count whole, keeping the adapter', async () => {
    const { model } = await loadRoberta(`${FIXTURES}roberta-tiny`, { numLabels: 2 });
    const { droppedKeys } = applyLoraAdapter(model, await readLoraAdapter(`${FIXTURES}peft-adapter`), { headGroup: robertaHeadGroup });
    expect(droppedKeys.sort()).toEqual(['classifier.dense.bias', 'classifier.dense.weight', 'classifier.out_proj.bias', 'classifier.out_proj.weight']);
    const q = model.getSubmodule('roberta.encoder.layer.1.attention.self.value') as Linear;
    expect(q.adapter(DEFAULT_ADAPTER).rank).toBe(4);
  });

  it('trains only what it should once LoRA is added: A, B and the head', async () => {
    const model = await load();
    applyLoraAdapter(model, await readLoraAdapter(`${FIXTURES}peft-adapter`));
    for (const [name, v] of model.namedParameters()) v.trainable = /lora_|^classifier\./.test(name);
    const names = namedTrainableVariables(model).map(([n]) => n);
    expect(names.filter((n) => n.includes('lora_'))).toHaveLength(8);
    expect(names.filter((n) => n.startsWith('classifier.'))).toHaveLength(4);
  });

  it('names the file and the problem for a folder without weights', async () => {
    await expect(loadRoberta(`${FIXTURES}peft-adapter`)).rejects.toThrow(/config\.json/);
    await expect(readLoraAdapter(`${FIXTURES}nope.bin`)).rejects.toThrow(/nope\.bin: no such adapter/);
  });
});

const RELEASED = new URL('../../../../shared/data/checkpoints/roberta_base_lora_mnli.bin', import.meta.url).pathname;

describe('the released loralib checkpoint (examples/NLU roberta_base_lora_mnli.bin)', () => {
  it.skipIf(!existsSync(RELEASED))('reads as rank-8 query/value adapters for 12 layers plus an MNLI head', async () => {
    const adapter = await readLoraAdapter(RELEASED);
    expect(adapter).toMatchObject({ format: 'loralib', rank: 8, alpha: undefined });
    expect(adapter.lora.size).toBe(48);
    expect(adapter.lora.get('roberta.encoder.layer.11.attention.self.value.lora_A')?.shape).toEqual([8, 768]);
    expect(adapter.lora.get('roberta.encoder.layer.0.attention.self.query.lora_B')?.shape).toEqual([768, 8]);
    expect([...adapter.modules.keys()].sort()).toEqual(['classifier.dense.bias', 'classifier.dense.weight', 'classifier.out_proj.bias', 'classifier.out_proj.weight']);
    expect(adapter.modules.get('classifier.out_proj.weight')?.shape).toEqual([3, 768]);
    const params = [...adapter.lora.values(), ...adapter.modules.values()].reduce((s, t) => s + t.shape.reduce((a, b) => a * b, 1), 0);
    expect(params).toBe(887_811); // the README's "0.8M" (reference §5)
  });
});
