import { describe, expect, it } from 'vitest';
import {
  accuracy,
  argmaxRows,
  averageRanks,
  combinedScore,
  f1Binary,
  glueMetric,
  matthewsCorrelation,
  mnliAccuracy,
  pearson,
  spearman,
} from './glue.js';
import { golden } from '../test/fixtures.js';

interface Case {
  name: string;
  kind: 'classification' | 'regression';
  predictions: number[];
  references: number[];
  accuracy?: number;
  f1?: number;
  matthews_correlation?: number;
  pearson?: number;
  spearmanr?: number;
}
const data = golden<{ producedBy: string; cases: Case[] }>('glue');
// 1e-9 on the 0–100 scale.
const close = (a: number, b: number) => expect(Math.abs(a - b) * 100).toBeLessThanOrEqual(1e-9);

describe(`GLUE metrics match ${data.producedBy}`, () => {
  it.each(data.cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const { predictions: p, references: r } = c;
    if (c.accuracy !== undefined) close(accuracy(p, r), c.accuracy);
    if (c.f1 !== undefined) close(f1Binary(p, r), c.f1);
    if (c.matthews_correlation !== undefined) close(matthewsCorrelation(p, r), c.matthews_correlation);
    if (c.pearson !== undefined) close(pearson(p, r), c.pearson);
    if (c.spearmanr !== undefined) close(spearman(p, r), c.spearmanr);
  });
});

describe('GLUE metric identities', () => {
  it('averages tied ranks', () => {
    expect(averageRanks([10, 20, 20, 5, 20])).toEqual([2, 4, 4, 1, 4]);
  });
  it('Spearman is invariant under monotone transforms; MCC is symmetric', () => {
    const x = [0.3, 1.2, 1.2, 4.5, 2.2, 0.1];
    const y = [1, 2, 2, 5, 3, 0];
    expect(spearman(x.map((v) => Math.exp(v)), y)).toBeCloseTo(spearman(x, y), 14);
    const p = [0, 1, 2, 2, 1, 0, 1];
    const r = [0, 2, 2, 1, 1, 0, 0];
    expect(matthewsCorrelation(p, r)).toBeCloseTo(matthewsCorrelation(r, p), 14);
  });
  it('returns the datasets glue dictionary per task', () => {
    expect(Object.keys(glueMetric('cola', [1, 0], [1, 1]))).toEqual(['matthews_correlation']);
    expect(glueMetric('mrpc', [1, 0, 1], [1, 1, 1])).toEqual({ accuracy: 2 / 3, f1: 0.8 });
    expect(Object.keys(glueMetric('stsb', [1, 2, 3], [1, 3, 2]))).toEqual(['pearson', 'spearmanr']);
    expect(combinedScore({ accuracy: 0.5, f1: 0.7 })).toBeCloseTo(0.6, 15);
    expect(mnliAccuracy({ predictions: [0, 1], references: [0, 1] }, { predictions: [2], references: [1] })).toEqual({
      matched: 1,
      mismatched: 0,
    });
  });
  it('takes the first maximum like np.argmax', () => {
    expect(argmaxRows([[0.1, 0.9], [2, 2], [-1, -3, -0.5]])).toEqual([1, 0, 2]);
  });
  it('rejects mismatched or empty inputs', () => {
    expect(() => accuracy([1], [1, 0])).toThrow(/differ in length/);
    expect(() => pearson([], [])).toThrow(/no predictions/);
  });
});
