import * as tf from '@tensorflow/tfjs';
import { expectNoTensorLeak, expectTensorsClose } from '@lorats/testing';
import { describe, expect, it } from 'vitest';
import { addLoraToLayersModel, LoraConv2D, LoraDense, layersLoraWeights } from './layers-model.js';

function denseModel(): tf.Sequential {
  const m = tf.sequential();
  m.add(tf.layers.dense({ inputShape: [6], units: 5, activation: 'relu', name: 'd1' }));
  m.add(tf.layers.dense({ units: 3, name: 'd2' }));
  return m;
}

function functionalModel(): tf.LayersModel {
  const ids = tf.input({ shape: [4], dtype: 'int32' });
  const img = tf.input({ shape: [5, 5, 2] });
  const e = tf.layers.flatten().apply(tf.layers.embedding({ inputDim: 10, outputDim: 3, name: 'emb' }).apply(ids)) as tf.SymbolicTensor;
  const c = tf.layers.flatten().apply(tf.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same', activation: 'tanh', name: 'conv' }).apply(img)) as tf.SymbolicTensor;
  const joined = tf.layers.concatenate().apply([e, c]) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 2, name: 'head' }).apply(joined) as tf.SymbolicTensor;
  return tf.model({ inputs: [ids, img], outputs: out });
}

function randomizeLora(model: tf.LayersModel): void {
  let seed = 3;
  for (const w of model.trainableWeights) w.write(tf.randomNormal(w.shape as number[], 0, 0.3, 'float32', seed++));
}

describe('LoRA for tf.LayersModel', () => {
  it('Sequential: no-op at init, only LoRA factors train, output = base + scaling·x·Aᵀ·Bᵀ', () => {
    const base = denseModel();
    const x = tf.randomNormal([4, 6]);
    const y0 = base.predict(x) as tf.Tensor;
    const lora = addLoraToLayersModel(base, { rank: 2, alpha: 4 });
    expectTensorsClose(lora.predict(x) as tf.Tensor, y0, { atol: 1e-6 });
    expect(lora.trainableWeights.map((w) => w.originalName).sort()).toEqual(['d1_lora/lora_A', 'd1_lora/lora_B', 'd2_lora/lora_A', 'd2_lora/lora_B']);
    expect(lora.countParams()).toBe(base.countParams() + 2 * (6 + 5) + 2 * (5 + 3));
    randomizeLora(lora);
    const d1 = lora.layers.find((l) => l instanceof LoraDense) as LoraDense;
    const [a, b] = d1.loraWeights().map((w) => w.read());
    const [k1, b1] = base.layers[0].getWeights();
    const h = tf.relu(tf.add(tf.add(tf.matMul(x, k1), b1), tf.mul(tf.matMul(tf.matMul(x, a, false, true), b, false, true), 2)));
    const [k2, b2] = base.layers[1].getWeights();
    const l2 = lora.getLayer('d2_lora') as LoraDense;
    const [a2, bb2] = l2.loraWeights().map((w) => w.read());
    const want = tf.add(tf.add(tf.matMul(h, k2), b2), tf.mul(tf.matMul(tf.matMul(h, a2, false, true), bb2, false, true), 2));
    expectTensorsClose(lora.predict(x) as tf.Tensor, want, { atol: 1e-5 });
    expect([...layersLoraWeights(lora).keys()]).toEqual(['d1.lora_A', 'd1.lora_B', 'd2.lora_A', 'd2.lora_B']);
  });

  it('fit() changes only the LoRA factors', async () => {
    const base = denseModel();
    const lora = addLoraToLayersModel(base, { rank: 2, alpha: 2, targets: ['d2'] });
    const frozen = base.getWeights().map((w) => w.clone());
    lora.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
    const before = (lora.getLayer('d2_lora') as LoraDense).loraWeights()[1].read().clone();
    await lora.fit(tf.randomNormal([8, 6]), tf.randomNormal([8, 3]), { epochs: 2, verbose: 0 });
    base.getWeights().forEach((w, i) => expectTensorsClose(w, frozen[i], { atol: 0 }));
    expect(tf.max(tf.abs(tf.sub((lora.getLayer('d2_lora') as LoraDense).loraWeights()[1].read(), before))).dataSync()[0]).toBeGreaterThan(0);
  });

  it('functional: Embedding and Conv2D (with activation) are wrapped; merged conv equals the LoRA conv', () => {
    const base = functionalModel();
    const ids = tf.tensor2d([[1, 2, 3, 9], [0, 0, 5, 4]], undefined, 'int32');
    const img = tf.randomNormal([2, 5, 5, 2]);
    const y0 = base.predict([ids, img]) as tf.Tensor;
    const lora = addLoraToLayersModel(base, { rank: 1, alpha: 2, targets: ['emb', 'conv'] });
    expectTensorsClose(lora.predict([ids, img]) as tf.Tensor, y0, { atol: 1e-6 });
    randomizeLora(lora);
    const conv = lora.layers.find((l) => l instanceof LoraConv2D) as LoraConv2D;
    const [kernel, bias] = base.getLayer('conv').getWeights();
    const merged = tf.tanh(tf.add(tf.conv2d(img as tf.Tensor4D, tf.add(kernel, conv.deltaKernel()) as tf.Tensor4D, 1, 'same'), bias));
    expectTensorsClose(conv.apply(img) as tf.Tensor, merged, { atol: 1e-5 });
    expect(tf.max(tf.abs(tf.sub(lora.predict([ids, img]) as tf.Tensor, y0))).dataSync()[0]).toBeGreaterThan(1e-3);
  });

  it('a LoRA model saves and loads back with tf.io (same outputs)', async () => {
    const lora = addLoraToLayersModel(functionalModel(), { rank: 2, alpha: 2 });
    randomizeLora(lora);
    let artifacts: tf.io.ModelArtifacts | null = null;
    await lora.save(tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
    const ids = tf.tensor2d([[1, 2, 3, 9]], undefined, 'int32');
    const img = tf.randomNormal([1, 5, 5, 2]);
    expectTensorsClose(loaded.predict([ids, img]) as tf.Tensor, lora.predict([ids, img]) as tf.Tensor, { atol: 1e-6 });
    expect(loaded.trainableWeights.length).toBe(lora.trainableWeights.length);
  });

  it('unknown or unsupported targets are named', () => {
    const base = denseModel();
    expect(() => addLoraToLayersModel(base, { rank: 2, alpha: 2, targets: ['d3'] })).toThrow(/LoRA target layer "d3" not found in the model \(layers: d1, d2\)/);
    const f = functionalModel();
    const flat = f.layers.find((l) => l.getClassName() === 'Flatten')!.name;
    expect(() => addLoraToLayersModel(f, { rank: 2, alpha: 2, targets: [flat] })).toThrow(/is a Flatten; LoRA supports Dense, Embedding and Conv2D/);
    expect(() => addLoraToLayersModel(base, { rank: 0, alpha: 2 })).toThrow(/rank must be a positive integer, got 0/);
  });

  it('predict leaks no tensors', async () => {
    const lora = addLoraToLayersModel(denseModel(), { rank: 2, alpha: 2, dropout: 0.1 });
    const x = tf.randomNormal([3, 6]);
    await expectNoTensorLeak(() => tf.dispose(lora.predict(x) as tf.Tensor));
  });
});
