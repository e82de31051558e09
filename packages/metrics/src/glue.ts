// GLUE metrics as `datasets.load_metric("glue", task)` computes them (scikit-learn, scipy), used by run_glue.py.

function checkPairs(predictions: readonly number[], references: readonly number[]): void {
  if (predictions.length !== references.length) {
    throw new Error(`predictions (${predictions.length}) and references (${references.length}) differ in length`);
  }
  if (predictions.length === 0) throw new Error('no predictions to score');
}

/** Fraction of predictions equal to the reference. */
export function accuracy(predictions: readonly number[], references: readonly number[]): number {
  checkPairs(predictions, references);
  let correct = 0;
  for (let i = 0; i < predictions.length; i++) if (predictions[i] === references[i]) correct++;
  return correct / predictions.length;
}

/** Binary F1 with positive label 1 (scikit-learn `f1_score`; 0 when there are no positives at all). */
export function f1Binary(predictions: readonly number[], references: readonly number[]): number {
  checkPairs(predictions, references);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < predictions.length; i++) {
    const p = predictions[i] === 1;
    const t = references[i] === 1;
    if (p && t) tp++;
    else if (p) fp++;
    else if (t) fn++;
  }
  const denom = 2 * tp + fp + fn;
  return denom === 0 ? 0 : (2 * tp) / denom;
}

/** Matthews correlation for any number of classes (scikit-learn `matthews_corrcoef`; 0 when undefined). */
export function matthewsCorrelation(predictions: readonly number[], references: readonly number[]): number {
  checkPairs(predictions, references);
  const classes = [...new Set([...references, ...predictions])].sort((a, b) => a - b);
  const index = new Map(classes.map((c, i) => [c, i]));
  const tSum = new Array<number>(classes.length).fill(0);
  const pSum = new Array<number>(classes.length).fill(0);
  let nCorrect = 0;
  for (let i = 0; i < predictions.length; i++) {
    tSum[index.get(references[i]) as number]++;
    pSum[index.get(predictions[i]) as number]++;
    if (predictions[i] === references[i]) nCorrect++;
  }
  const n = predictions.length;
  let tp = 0;
  let pp = 0;
  let tt = 0;
  for (let k = 0; k < classes.length; k++) {
    tp += tSum[k] * pSum[k];
    pp += pSum[k] * pSum[k];
    tt += tSum[k] * tSum[k];
  }
  const covYtYp = nCorrect * n - tp;
  const covYpYp = n * n - pp;
  const covYtYt = n * n - tt;
  if (covYpYp * covYtYt === 0) return 0;
  return covYtYp / Math.sqrt(covYtYt * covYpYp);
}

/** Pearson correlation coefficient (scipy `pearsonr(...)[0]`). */
export function pearson(x: readonly number[], y: readonly number[]): number {
  checkPairs(x, y);
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  const r = sxy / Math.sqrt(sxx * syy);
  return Math.max(-1, Math.min(1, r));
}

/** 1-based ranks with ties given their average rank (scipy `rankdata(method="average")`). */
export function averageRanks(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const ranks = new Array<number>(values.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k][1]] = rank;
    i = j + 1;
  }
  return ranks;
}

/** Spearman rank correlation with averaged ties (scipy `spearmanr(...)[0]`). */
export function spearman(x: readonly number[], y: readonly number[]): number {
  checkPairs(x, y);
  return pearson(averageRanks(x), averageRanks(y));
}

/** Index of the largest value in each row (first on ties, like `np.argmax(logits, axis=1)`). */
export function argmaxRows(logits: readonly (readonly number[])[]): number[] {
  return logits.map((row) => {
    let best = 0;
    for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
    return best;
  });
}

export const GLUE_TASKS = ['cola', 'sst2', 'mrpc', 'qqp', 'stsb', 'mnli', 'mnli_matched', 'mnli_mismatched', 'qnli', 'rte', 'wnli', 'hans'] as const;
export type GlueTask = (typeof GLUE_TASKS)[number];

/** The metric dictionary `datasets`' glue metric returns for `task`. */
export function glueMetric(task: GlueTask, predictions: readonly number[], references: readonly number[]): Record<string, number> {
  switch (task) {
    case 'cola':
      return { matthews_correlation: matthewsCorrelation(predictions, references) };
    case 'stsb':
      return { pearson: pearson(predictions, references), spearmanr: spearman(predictions, references) };
    case 'mrpc':
    case 'qqp':
      return { accuracy: accuracy(predictions, references), f1: f1Binary(predictions, references) };
    default:
      if (!(GLUE_TASKS as readonly string[]).includes(task)) throw new Error(`unknown GLUE task "${task}"`);
      return { accuracy: accuracy(predictions, references) };
  }
}

/** run_glue.py's `combined_score`: the mean of a task's metrics when it has more than one. */
export function combinedScore(metrics: Record<string, number>): number {
  const values = Object.values(metrics);
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** MNLI is reported as matched / mismatched accuracy. */
export function mnliAccuracy(
  matched: { predictions: readonly number[]; references: readonly number[] },
  mismatched: { predictions: readonly number[]; references: readonly number[] },
): { matched: number; mismatched: number } {
  return {
    matched: accuracy(matched.predictions, matched.references),
    mismatched: accuracy(mismatched.predictions, mismatched.references),
  };
}
