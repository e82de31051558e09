import { describe, expect, it } from 'vitest';
import { learningRate, lrLambda } from './schedule.js';

describe('linear schedule (LambdaLR as optimizer.py)', () => {
  const opts = { kind: 'linear' as const, lr: 2e-4, warmupSteps: 500, totalSteps: 26290 };

  it('gives lr = 0 to the first update and base·λ(k−1) to update k', () => {
    expect(learningRate(opts, 1)).toBe(0);
    expect(learningRate(opts, 2)).toBeCloseTo(2e-4 / 500, 15);
    expect(learningRate(opts, 501)).toBeCloseTo(2e-4, 15);
    expect(learningRate(opts, 502)).toBeCloseTo((2e-4 * (26290 - 501)) / (26290 - 500), 15);
    expect(learningRate(opts, 26290)).toBeCloseTo((2e-4 * 1) / 25790, 15);
  });

  it('clamps at zero past the end and handles no warmup', () => {
    expect(lrLambda(opts, 30000)).toBe(0);
    expect(lrLambda({ ...opts, warmupSteps: 0 }, 0)).toBe(1);
    expect(lrLambda({ ...opts, kind: 'constant' }, 10000)).toBe(1);
    expect(lrLambda({ ...opts, kind: 'none' }, 0)).toBe(1);
    expect(() => learningRate(opts, 0)).toThrow(/≥ 1/);
  });
});
