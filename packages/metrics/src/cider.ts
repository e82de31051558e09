// CIDEr-D as the MS-COCO caption evaluation computes it (pycocoevalcap `cider/cider_scorer.py`): tf-idf vectors
// of 1..4-grams with document frequencies from the evaluated references, clipped similarity, a Gaussian length
// penalty (sigma = 6), averaged over n-gram orders and references, times 10.
import { npMean } from './rouge.js';
import { pySplit } from './text.js';

type Counts = Map<string, number>;

/** All 1..n-gram counts of whitespace-split `s` (keys joined with spaces, grouped by order). */
function precook(s: string, n: number): Counts[] {
  const words = pySplit(s);
  const byOrder: Counts[] = [];
  for (let k = 1; k <= n; k++) {
    const counts: Counts = new Map();
    for (let i = 0; i + k <= words.length; i++) {
      const g = k === 1 ? words[i] : words.slice(i, i + k).join(' ');
      counts.set(g, (counts.get(g) ?? 0) + 1);
    }
    byOrder.push(counts);
  }
  return byOrder;
}

interface Vec {
  vec: Map<string, number>[];
  norm: number[];
  /** Number of bigrams (pycocoevalcap counts `n == 1`, i.e. bigram terms, as the length). */
  length: number;
}

/** Corpus CIDEr-D and the per-segment scores. */
export function corpusCider(
  candidates: readonly string[],
  references: readonly (readonly string[])[],
  opts: { n?: number; sigma?: number } = {},
): { score: number; scores: number[] } {
  const n = opts.n ?? 4;
  const sigma = opts.sigma ?? 6.0;
  if (candidates.length !== references.length) throw new Error(`${candidates.length} candidates but ${references.length} reference groups`);
  const crefs = references.map((refs) => refs.map((r) => precook(r, n)));
  const ctest = candidates.map((c) => precook(c, n));
  // Document frequency: in how many segments' reference sets each n-gram occurs.
  const df = new Map<string, number>();
  for (const refs of crefs) {
    const seen = new Set<string>();
    for (const ref of refs) for (let k = 0; k < n; k++) for (const g of ref[k].keys()) seen.add(`${k}\u0000${g}`);
    for (const key of seen) df.set(key, (df.get(key) ?? 0) + 1);
  }
  let maxDf = 0;
  for (const v of df.values()) maxDf = Math.max(maxDf, v);
  if (ctest.length < maxDf) throw new Error('CIDEr: document frequency exceeds the number of segments');
  const refLen = Math.log(crefs.length);

  const toVec = (counts: Counts[]): Vec => {
    const vec: Map<string, number>[] = [];
    const norm: number[] = [];
    let length = 0;
    for (let k = 0; k < n; k++) {
      const v = new Map<string, number>();
      let sq = 0;
      for (const [g, tf] of counts[k]) {
        const dfg = Math.log(Math.max(1.0, df.get(`${k}\u0000${g}`) ?? 0));
        const w = tf * (refLen - dfg);
        v.set(g, w);
        sq += w ** 2;
        if (k === 1) length += tf;
      }
      vec.push(v);
      norm.push(Math.sqrt(sq));
    }
    return { vec, norm, length };
  };

  const scores: number[] = [];
  for (let i = 0; i < ctest.length; i++) {
    const hyp = toVec(ctest[i]);
    const score = new Array<number>(n).fill(0);
    for (const ref of crefs[i]) {
      const r = toVec(ref);
      const delta = hyp.length - r.length;
      for (let k = 0; k < n; k++) {
        let val = 0;
        for (const [g, w] of hyp.vec[k]) {
          const rw = r.vec[k].get(g) ?? 0;
          val += Math.min(w, rw) * rw;
        }
        if (hyp.norm[k] !== 0 && r.norm[k] !== 0) val /= hyp.norm[k] * r.norm[k];
        val *= Math.E ** (-(delta ** 2) / (2 * sigma ** 2));
        score[k] += val;
      }
    }
    let avg = npMean(score);
    avg /= crefs[i].length;
    avg *= 10.0;
    scores.push(avg);
  }
  return { score: npMean(scores), scores };
}
