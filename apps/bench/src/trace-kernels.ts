// Which tfjs kernels lorats' models and optimizers run: a tiny GPT-2 LoRA step (AdamW) with greedy decoding,
// RoBERTa and DeBERTa-v2 (with its conv layer) classifiers with LoRA, and tfjs's Adam/SGD, traced on the cpu backend.
// Writes the sorted list (and which of them the torch backend lacks natively) to
// packages/tfjs-backend-torch/test/kernels-used.json, which the backend's tests check.
//
//   node --conditions=@lorats/source --import tsx apps/bench/src/trace-kernels.ts
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import * as tf from '@tensorflow/tfjs-core';
import { injectLora, markOnlyLoraAsTrainable, namedTrainableVariables } from '@lorats/core';
import { DebertaV2ForSequenceClassification, DEBERTA_V2_XXLARGE } from '@lorats/deberta-v2';
import { AdamW } from '@lorats/experiment';
import { GPT2_TINY, Gpt2LMModel } from '@lorats/gpt2';
import { ROBERTA_BASE, RobertaForSequenceClassification } from '@lorats/roberta';
import { setupBackend } from '@lorats/runtime';
import { nativeKernelNames, torchAvailability } from '@lorats/tfjs-backend-torch';

const used = new Map<string, Set<string>>();
let current = '';
const engine = tf.engine();
const original = engine.runKernel.bind(engine);
engine.runKernel = ((name: string, inputs: tf.NamedTensorMap, attrs?: tf.NamedAttrMap) => {
  if (!used.has(name)) used.set(name, new Set());
  used.get(name)?.add(current);
  return original(name, inputs, attrs);
}) as typeof engine.runKernel;

function trace(what: string, run: () => void): void {
  current = `${what} (${tf.getBackend()})`;
  tf.tidy(run);
}

function classifierStep(model: { forward(i: { inputIds: tf.Tensor; attentionMask: tf.Tensor }): tf.Tensor; loss(l: tf.Tensor, y: tf.Tensor): tf.Scalar }, vars: tf.Variable[], vocab: number): void {
  const ids = tf.tensor2d([[0, 5, 9, 2, 1], [0, 7, 2, 1, 1]].map((r) => r.map((v) => v % vocab)), [2, 5], 'int32');
  const mask = tf.tensor2d([[1, 1, 1, 1, 0], [1, 1, 1, 0, 0]], [2, 5], 'int32');
  const labels = tf.tensor1d([1, 0], 'int32');
  const { grads } = tf.variableGrads(() => model.loss(model.forward({ inputIds: ids, attentionMask: mask }), labels), vars);
  tf.dispose(grads);
}

/** The traced workloads: on cpu, models use the fused ops' fallbacks; on torch, the fused kernels. */
function workloads(): void {
  // GPT-2: LoRA training step with AdamW, then prefill + one decoding step
  {
    const model = new Gpt2LMModel({ ...GPT2_TINY, nLayer: 1, vocabSize: 97 }, { rank: 2, alpha: 4, dropout: 0.1 });
    markOnlyLoraAsTrainable(model);
    const params = namedTrainableVariables(model);
    const opt = new AdamW(params, { weightDecay: 0.01 });
    const batch = { batchSize: 2, seqLength: 4, input: Int32Array.from([1, 2, 3, 4, 5, 6, 7, 8]), target: Int32Array.from([2, 3, 4, 5, 6, 7, 8, 9]), mask: Float32Array.from([0, 1, 1, 1, 0, 0, 1, 1]) };
    trace('gpt2 train', () => {
      model.train();
      const { grads } = tf.variableGrads(() => model.loss(batch, { labelSmoothing: 0.1 }), params.map(([, v]) => v));
      opt.step(new Map(params.map(([n, v]) => [n, grads[v.name]])), 1e-3);
    });
    trace('gpt2 decode', () => {
      model.eval();
      const { logits, cache } = model.prefill([[1, 2, 3], [4, 5]]);
      const next = model.step([6, 7], cache);
      tf.topk(next.logits, 2);
      tf.multinomial(tf.logSoftmax(logits) as tf.Tensor2D, 1, 7);
      model.disposeCache(next.cache);
    });
  }

  // RoBERTa and DeBERTa-v2 classifiers with LoRA on query/value
  {
    const roberta = new RobertaForSequenceClassification({ ...ROBERTA_BASE, vocabSize: 50, hiddenSize: 16, numHiddenLayers: 1, numAttentionHeads: 2, intermediateSize: 32 }, 3);
    injectLora(roberta, { rank: 2, alpha: 4, targets: ['query', 'value'] });
    markOnlyLoraAsTrainable(roberta);
    trace('roberta train', () => classifierStep(roberta, namedTrainableVariables(roberta).map(([, v]) => v), 50));
    const deberta = new DebertaV2ForSequenceClassification(
      { ...DEBERTA_V2_XXLARGE, vocabSize: 50, hiddenSize: 16, embeddingSize: 16, numHiddenLayers: 2, numAttentionHeads: 2, attentionHeadSize: 8, intermediateSize: 32, poolerHiddenSize: 16, maxRelativePositions: -1, positionBuckets: 8 },
      3,
    );
    injectLora(deberta, { rank: 2, alpha: 4, targets: ['query_proj', 'value_proj'] });
    markOnlyLoraAsTrainable(deberta);
    trace('deberta-v2 train', () => classifierStep(deberta, namedTrainableVariables(deberta).map(([, v]) => v), 50));
  }

  // tfjs's own optimizers on a small regression
  for (const [name, opt] of [['adam', tf.train.adam(1e-2)], ['sgd', tf.train.sgd(1e-2)], ['momentum', tf.train.momentum(1e-2, 0.9)]] as const) {
    const w = tf.variable(tf.randomNormal([3, 2]));
    trace(`tf.train.${name}`, () => {
      opt.minimize(() => tf.losses.meanSquaredError(tf.ones([4, 2]), tf.matMul(tf.ones([4, 3]), w)), false, [w]);
    });
    w.dispose();
  }
}

const torchAvailable = torchAvailability().available;
for (const backend of torchAvailable ? (['cpu', 'torch'] as const) : (['cpu'] as const)) {
  await setupBackend({ backend, device: 'cpu' });
  workloads();
}
engine.runKernel = original;
const kernels = [...used.keys()].sort();
let missing: string[] | null = null;
if (torchAvailable) {
  const native = new Set(nativeKernelNames());
  missing = kernels.filter((k) => !native.has(k));
}
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const out = join(repo, 'packages', 'tfjs-backend-torch', 'test', 'kernels-used.json');
mkdirSync(dirname(out), { recursive: true });
const body = {
  producedBy: 'apps/bench/src/trace-kernels.ts (node --conditions=@lorats/source --import tsx apps/bench/src/trace-kernels.ts)',
  kernels: Object.fromEntries(kernels.map((k) => [k, [...(used.get(k) ?? [])].sort()])),
};
writeFileSync(`${out}.tmp`, `${JSON.stringify(body, null, 1)}\n`);
renameSync(`${out}.tmp`, out);
console.log(`${kernels.length} kernels -> ${out}`);
console.log(missing === null ? 'torch backend not built: native coverage not checked' : missing.length ? `not native on torch: ${missing.join(', ')}` : 'all native on torch');
