// 20 updates of the paper's recipe against a PyTorch implementation of it (packages/gpt2/fixtures/generate.py):
// LoRA-only training of a tiny GPT-2, label smoothing 0.1, optimizer.py's AdamW and the linear LambdaLR schedule.
import '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { markOnlyLoraAsTrainable, namedTrainableVariables } from '@lorats/core';
import { AdamW, runTrainingLoop } from '@lorats/experiment';
import { applyGpt2Adapter, loadGpt2, readGpt2Adapter } from '@lorats/gpt2';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

interface Training {
  steps: number; lr: number; warmup: number; labelSmoothing: number; weightDecay: number; eps: number; betas: [number, number];
  batches: Array<{ input: number[][]; target: number[][]; mask: number[][] }>;
  losses: number[]; lrs: number[]; final: Record<string, number[]>;
}
interface Reference {
  tiny: { config: { vocab_size: number; n_positions: number; n_embd: number; n_layer: number; n_head: number; layer_norm_epsilon: number }; seed: number; lora: { rank: number; alpha: number } };
  training: Training;
}

const FIXTURES = new URL('../../../packages/gpt2/fixtures/', import.meta.url).pathname;
const ref = JSON.parse(readFileSync(`${FIXTURES}reference.json`, 'utf8')) as Reference;

describe('the NLG training recipe (parity with PyTorch)', () => {
  it('gives the reference losses and LoRA weights over 20 updates', async () => {
    const t = ref.training;
    const c = ref.tiny.config;
    // The fixture model: tiny-base.safetensors plus its loralib adapter (seed 7, r 4, α 8, non-zero B).
    const config = { vocabSize: c.vocab_size, nPositions: c.n_positions, nEmbd: c.n_embd, nLayer: c.n_layer, nHead: c.n_head, layerNormEpsilon: c.layer_norm_epsilon };
    const { model } = await loadGpt2(`${FIXTURES}tiny-base.safetensors`, { config, lora: { ...ref.tiny.lora, dropout: 0 } });
    const adapter = await readGpt2Adapter(`${FIXTURES}loralib-tiny.pt`, ref.tiny.lora.alpha);
    applyGpt2Adapter(model, adapter.weights, adapter.file);
    markOnlyLoraAsTrainable(model, 'none');
    const params = namedTrainableVariables(model);
    const optimizer = new AdamW(params, { betas: t.betas, eps: t.eps, weightDecay: t.weightDecay, correctBias: true });
    model.train();
    const result = await runTrainingLoop({
      params,
      optimizer,
      schedule: { kind: 'linear', lr: t.lr, warmupSteps: t.warmup, totalSteps: t.steps },
      totalSteps: t.steps,
      loss: (step) => {
        const b = t.batches[step - 1];
        const B = b.input.length;
        const T = b.input[0].length;
        return model.loss(
          { batchSize: B, seqLength: T, input: Int32Array.from(b.input.flat()), target: Int32Array.from(b.target.flat()), mask: Float32Array.from(b.mask.flat()) },
          { labelSmoothing: t.labelSmoothing },
        );
      },
      logEvery: 1,
      progress: false,
    });
    result.lossCurve.forEach(([, loss], i) => expect(loss).toBeCloseTo(t.losses[i], 4));
    for (const [name, v] of params) {
      const want = t.final[name.replace(/^transformer\./, '')];
      const got = v.dataSync();
      let maxDiff = 0;
      for (let i = 0; i < want.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
      expect(maxDiff).toBeLessThan(2e-5);
    }
    // The first update had lr 0, so step 2's weights differ from the start only through step 2 onwards.
    expect(t.lrs[0]).toBe(0);
    optimizer.dispose();
    model.dispose();
  });
});
