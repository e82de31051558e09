// ROUGE-L as the MS-COCO caption evaluation computes it (pycocoevalcap `rouge/rouge.py`): LCS over space-split
// tokens, precision and recall each maximised over the references, F-measure with beta = 1.2, mean over segments.

/** Length of the longest common subsequence of two token lists. */
export function lcsLength(a: readonly string[], b: readonly string[]): number {
  const [long, short] = a.length < b.length ? [b, a] : [a, b];
  let prev = new Int32Array(short.length + 1);
  let cur = new Int32Array(short.length + 1);
  for (let i = 1; i <= long.length; i++) {
    for (let j = 1; j <= short.length; j++) {
      cur[j] = long[i - 1] === short[j - 1] ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[short.length];
}

/** ROUGE-L of one candidate against its references (strings of space-separated tokens). */
export function rougeL(candidate: string, references: readonly string[], beta = 1.2): number {
  if (references.length === 0) throw new Error('ROUGE-L needs at least one reference');
  const c = candidate.split(' ');
  let precMax = 0;
  let recMax = 0;
  for (const ref of references) {
    const r = ref.split(' ');
    const lcs = lcsLength(r, c);
    precMax = Math.max(precMax, lcs / c.length);
    recMax = Math.max(recMax, lcs / r.length);
  }
  if (precMax === 0 || recMax === 0) return 0;
  return ((1 + beta ** 2) * precMax * recMax) / (recMax + beta ** 2 * precMax);
}

/** Corpus ROUGE-L: the mean of the segment scores (and the scores themselves). */
export function corpusRougeL(candidates: readonly string[], references: readonly (readonly string[])[]): { score: number; scores: number[] } {
  if (candidates.length !== references.length) throw new Error(`${candidates.length} candidates but ${references.length} reference groups`);
  const scores = candidates.map((c, i) => rougeL(c, references[i]));
  return { score: npMean(scores), scores };
}

/** numpy's `mean` of a float64 vector: pairwise summation in blocks of 8, divided by n. */
export function npMean(xs: readonly number[]): number {
  return pairwiseSum(xs, 0, xs.length) / xs.length;
}

function pairwiseSum(a: readonly number[], start: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i];
    return res;
  }
  if (n <= 128) {
    const r = [a[start], a[start + 1], a[start + 2], a[start + 3], a[start + 4], a[start + 5], a[start + 6], a[start + 7]];
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let k = 0; k < 8; k++) r[k] += a[start + i + k];
    let res = r[0] + r[1] + (r[2] + r[3]) + (r[4] + r[5] + (r[6] + r[7]));
    for (; i < n; i++) res += a[start + i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, start, n2) + pairwiseSum(a, start + n2, n - n2);
}
