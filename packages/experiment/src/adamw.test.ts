import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdamW } from './adamw.js';
import { clipGradNorm } from './clip.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** optimizer.py's update in float64, one parameter vector. */
function reference(p0: number[], grads: number[][], lrs: number[], wd: number, eps: number, b1 = 0.9, b2 = 0.999): number[] {
  const p = [...p0];
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  grads.forEach((g, t) => {
    const step = t + 1;
    const stepSize = (lrs[t] * Math.sqrt(1 - b2 ** step)) / (1 - b1 ** step);
    for (let i = 0; i < p.length; i++) {
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      p[i] -= (stepSize * m[i]) / (Math.sqrt(v[i]) + eps);
      p[i] -= lrs[t] * wd * p[i];
    }
  });
  return p;
}

function run(p0: number[], grads: number[][], lrs: number[], wd: number, eps: number): number[] {
  const p = tf.variable(tf.tensor1d(p0));
  const opt = new AdamW([['w', p]], { betas: [0.9, 0.999], eps, weightDecay: wd, correctBias: true });
  grads.forEach((g, t) => {
    const gt = tf.tensor1d(g);
    opt.step(new Map([['w', gt]]), lrs[t]);
    gt.dispose();
  });
  const out = Array.from(p.dataSync());
  opt.dispose();
  p.dispose();
  return out;
}

describe('AdamW (optimizer.py semantics)', () => {
  const grads = [
    [0.5, -1, 2],
    [0.1, 0.3, -0.2],
    [-0.4, 0.2, 0.9],
  ];

  it('matches the reference update, including the lr = 0 first step and decay after the update', () => {
    const lrs = [0, 1e-2, 2e-2];
    const got = run([1, -2, 0.5], grads, lrs, 0.1, 1e-6);
    const want = reference([1, -2, 0.5], grads, lrs, 0.1, 1e-6);
    got.forEach((x, i) => expect(x).toBeCloseTo(want[i], 6));
    // The first update has lr 0: nothing moves, but the step counter advanced (bias correction of step 2 applies next).
    expect(run([1, -2, 0.5], grads.slice(0, 1), [0], 0.1, 1e-6)).toEqual([1, -2, 0.5]);
  });

  it('adds eps to the uncorrected sqrt(v) (differs from torch.optim.AdamW for tiny gradients)', () => {
    const tiny = [[1e-6], [1e-6]];
    const got = run([0], tiny, [1, 1], 0, 1e-6)[0];
    const want = reference([0], tiny, [1, 1], 0, 1e-6)[0];
    expect(got).toBeCloseTo(want, 5);
    // torch.optim.AdamW: p -= lr·m̂/(sqrt(v̂)+eps) with bias-corrected m̂, v̂ ≈ g, so each step moves ≈ 0.5.
    expect(Math.abs(got)).toBeLessThan(0.2);
  });

  it('skips parameters without gradients and checks shapes', () => {
    const a = tf.variable(tf.tensor1d([1, 2]));
    const b = tf.variable(tf.tensor1d([3]));
    const opt = new AdamW([['a', a], ['b', b]], { weightDecay: 0.5 });
    opt.step(new Map([['a', tf.tensor1d([1, 1])]]), 0.1);
    expect(Array.from(b.dataSync())).toEqual([3]);
    expect(() => opt.step(new Map([['a', tf.tensor1d([1])]]), 0.1)).toThrow(/shape/);
    expect(() => new AdamW([['a', a], ['a', b]])).toThrow(/listed twice/);
  });

  it('round-trips its state', () => {
    const p = tf.variable(tf.tensor1d([1, -2, 0.5]));
    const opt = new AdamW([['w', p]], { weightDecay: 0.1 });
    opt.step(new Map([['w', tf.tensor1d(grads[0])]]), 0.01);
    const saved = opt.getState();
    const q = tf.variable(p.clone());
    const opt2 = new AdamW([['w', q]], { weightDecay: 0.1 });
    opt2.setState(saved);
    opt.step(new Map([['w', tf.tensor1d(grads[1])]]), 0.01);
    opt2.step(new Map([['w', tf.tensor1d(grads[1])]]), 0.01);
    expect(Array.from(q.dataSync())).toEqual(Array.from(p.dataSync()));
    expect(saved.steps).toEqual({ w: 1 });
  });
});

describe('clipGradNorm', () => {
  it('scales by maxNorm/(norm+1e-6) only when the norm exceeds maxNorm', () => {
    const grads = new Map([
      ['a', tf.tensor1d([3, 0])],
      ['b', tf.tensor1d([0, 4])],
    ]);
    const { grads: clipped, norm } = clipGradNorm(grads, 1);
    expect(norm).toBeCloseTo(5, 5);
    expect(clipped.get('a')!.dataSync()[0]).toBeCloseTo(3 / (5 + 1e-6), 6);
    const { grads: kept } = clipGradNorm(grads, 10);
    expect(Array.from(kept.get('b')!.dataSync())).toEqual([0, 4]);
  });
});
