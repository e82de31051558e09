// Learning-rate schedules as microsoft/LoRA examples/NLG/src/optimizer.py builds them on torch's LambdaLR. The
// scheduler steps after every optimizer update and starts at λ(0), so update k (1-based) uses base·λ(k−1): with
// warmup the first update has lr = 0 while Adam's step counter still advances (reference §2.5).

export type ScheduleKind = 'linear' | 'constant' | 'none';

export interface ScheduleOptions {
  kind: ScheduleKind;
  /** Peak learning rate. */
  lr: number;
  warmupSteps: number;
  /** Total number of updates (`max_step`). */
  totalSteps: number;
}

/** λ(s): `linear` is s/W during warmup, then max(0, (T−s)/(T−W)); `constant` is s/W then 1; `none` is always 1. */
export function lrLambda(options: ScheduleOptions, s: number): number {
  const { kind, warmupSteps: w, totalSteps: t } = options;
  if (kind === 'none') return 1;
  if (s < w) return s / Math.max(1, w);
  if (kind === 'constant') return 1;
  return Math.max(0, (t - s) / Math.max(1, t - w));
}

/** The learning rate of update `k` (1-based): base·λ(k−1). */
export function learningRate(options: ScheduleOptions, k: number): number {
  if (!Number.isInteger(k) || k < 1) throw new Error(`learningRate: update index must be an integer ≥ 1, got ${k}`);
  return options.lr * lrLambda(options, k - 1);
}
