import '@tensorflow/tfjs';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdamW } from './adamw.js';
import { listCheckpoints, loadCheckpoint } from './checkpoint.js';
import { deriveSeed, Rng } from './rng.js';
import { runTrainingLoop, type TrainLoopOptions } from './train-loop.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// A small least-squares problem with per-step random batches and dropout, both derived from the step number.
const X = tf.tensor2d(Array.from({ length: 64 * 4 }, (_, i) => Math.sin(i * 0.37)), [64, 4]);
const Y = tf.tensor2d(Array.from({ length: 64 }, (_, i) => Math.cos(i * 0.11)), [64, 1]);

function setup(dir: string, totalSteps: number, resume: boolean, stopAfter?: number) {
  tf.engine().startScope();
  const w = tf.variable(tf.tensor2d([[0.1], [-0.2], [0.3], [0.05]]), true);
  const b = tf.variable(tf.zeros([1]), true);
  const params: Array<[string, tf.Variable]> = [['w', w], ['b', b]];
  const optimizer = new AdamW(params, { weightDecay: 0.01 });
  const options: TrainLoopOptions = {
    params,
    optimizer,
    schedule: { kind: 'linear', lr: 0.05, warmupSteps: 2, totalSteps },
    totalSteps,
    loss: (step) => {
      if (stopAfter !== undefined && step > stopAfter) throw new Error('killed');
      const rows = new Rng(deriveSeed(3, 'batch', step)).permutation(64).slice(0, 8);
      const idx = tf.tensor1d(rows, 'int32');
      const x = tf.gather(X, idx);
      const mask = tf.step(tf.sub(tf.randomUniform(x.shape, 0, 1, 'float32', deriveSeed(3, 'dropout', step)), 0.1));
      const pred = tf.add(tf.matMul(tf.mul(x, mask), w), b);
      return tf.mean(tf.square(tf.sub(pred, tf.gather(Y, idx)))) as tf.Scalar;
    },
    tokens: () => 8,
    clipNorm: 1,
    logEvery: 2,
    checkpoint: { dir, every: 3, keep: 2 },
    resume,
    progress: false,
  };
  return { options, w, b, done: () => tf.engine().endScope() };
}

describe('runTrainingLoop', () => {
  it('resumes after a kill to exactly the result of an uninterrupted run', async () => {
    const full = setup(mkdtempSync(join(tmpdir(), 'loop-a-')), 10, false);
    const a = await runTrainingLoop(full.options);
    const wantW = Array.from(full.w.dataSync());
    full.done();

    const dir = mkdtempSync(join(tmpdir(), 'loop-b-'));
    const killed = setup(dir, 10, false, 7);
    await expect(runTrainingLoop(killed.options)).rejects.toThrow('killed');
    killed.done();
    expect(listCheckpoints(dir).map(([s]) => s)).toEqual([6, 3]);

    const resumed = setup(dir, 10, true);
    const b = await runTrainingLoop(resumed.options);
    expect(b.resumedFrom).toBe(6);
    expect(Array.from(resumed.w.dataSync())).toEqual(wantW);
    expect(b.lossCurve).toEqual(a.lossCurve);
    expect(b.tokens).toBe(80);
    resumed.done();
    expect(a.lossCurve.map(([s]) => s)).toEqual([2, 4, 6, 8, 10]);
    expect(a.lossCurve[4][1]).toBeLessThan(a.lossCurve[0][1]);
  });

  it('keeps the newest checkpoints, each with parameters, moments and state', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loop-c-'));
    const run = setup(dir, 7, false);
    await runTrainingLoop(run.options);
    run.done();
    expect(readdirSync(dir).sort()).toEqual(['checkpoint-6.safetensors', 'checkpoint-7.safetensors']);
    const ckpt = await loadCheckpoint(join(dir, 'checkpoint-7.safetensors'));
    expect(ckpt.step).toBe(7);
    expect([...ckpt.tensors.keys()].sort()).toEqual(['optim.b.exp_avg', 'optim.b.exp_avg_sq', 'optim.w.exp_avg', 'optim.w.exp_avg_sq', 'param.b', 'param.w']);
  });

  it('names a file that is not a checkpoint', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loop-d-'));
    writeFileSync(join(dir, 'checkpoint-5.safetensors'), 'garbage');
    await expect(loadCheckpoint(join(dir, 'checkpoint-5.safetensors'))).rejects.toThrow(join(dir, 'checkpoint-5.safetensors'));
  });
});
