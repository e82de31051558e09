// BLEU and NIST as e2e-metrics' `metrics/pymteval.py` computes them (`measure_scores.py -p`, LoRA's E2E setting).
import { mtevalNormalize } from './mteval-tokenizer.js';
import { nistLengthPenalty } from './nist.js';
import { pyLower } from './text.js';

/** pymteval's tokenization: mteval-v13a rules; an empty segment is one empty token. */
export function pymtevalTokenize(sent: string): string[] {
  return mtevalNormalize(sent, { whitespace: 'python' }).split(' ');
}

/** n-grams of order `n` (keys are tokens joined by U+0001); `toks` are already lowercased when case-insensitive. */
function ngrams(n: number, toks: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + n <= toks.length; i++) out.push(n === 1 ? toks[i] : toks.slice(i, i + n).join('\u0001'));
  return out;
}

const fold = (toks: readonly string[], caseSensitive: boolean) => (caseSensitive ? toks : toks.map(pyLower));

/** Max count of each n-gram over `sents` (insertion order: first appearance). */
function ngramCounts(n: number, sents: readonly (readonly string[])[]): Map<string, number> {
  const merged = new Map<string, number>();
  for (const sent of sents) {
    const counts = new Map<string, number>();
    for (const g of ngrams(n, sent)) counts.set(g, (counts.get(g) ?? 0) + 1);
    for (const [g, c] of counts) merged.set(g, Math.max(merged.get(g) ?? 0, c));
  }
  return merged;
}

/** pymteval's `BLEUScore` accumulator (corpus BLEU as a fraction, smoothed only to stay defined). */
export class PymtevalBleu {
  private refLen = 0;
  private readonly candLens: number[];
  private readonly hits: number[];

  constructor(
    readonly maxNgram = 4,
    readonly caseSensitive = false,
    readonly smoothing = 0,
  ) {
    this.candLens = new Array<number>(maxNgram).fill(0);
    this.hits = new Array<number>(maxNgram).fill(0);
  }

  /** Adds one system output and its references (strings are tokenized; arrays are taken as tokens). */
  append(pred: string | readonly string[], refs: readonly (string | readonly string[])[]): void {
    const p = typeof pred === 'string' ? pymtevalTokenize(pred) : pred;
    const rs = refs.map((r) => (typeof r === 'string' ? pymtevalTokenize(r) : r));
    const pl = fold(p, this.caseSensitive);
    const rl = rs.map((r) => fold(r, this.caseSensitive));
    for (let i = 0; i < this.maxNgram; i++) {
      const merged = ngramCounts(i + 1, rl);
      let hits = 0;
      for (const [g, c] of ngramCounts(i + 1, [pl])) hits += Math.min(merged.get(g) ?? 0, c);
      this.hits[i] += hits;
      this.candLens[i] += p.length - i;
    }
    // The reference closest in length; ties go to the shorter one.
    let closest = rs[0];
    for (const r of rs) {
      const d = Math.abs(r.length - p.length);
      const dc = Math.abs(closest.length - p.length);
      if (d < dc || (d === dc && r.length < closest.length)) closest = r;
    }
    this.refLen += closest.length;
  }

  score(): number {
    let bp = 1.0;
    if (this.candLens[0] <= this.refLen) bp = Math.exp(1.0 - this.refLen / (this.candLens[0] ? this.candLens[0] : 1e-5));
    let logSum = 0.0;
    for (let i = 0; i < this.maxNgram; i++) {
      const h = Math.max(this.hits[i] + this.smoothing, 1e-15);
      const l = Math.max(this.candLens[i] + this.smoothing, 1e-9);
      logSum += Math.log(h / l);
    }
    return bp * Math.exp((1.0 / this.maxNgram) * logSum);
  }
}

/** pymteval's `NISTScore` accumulator (average reference length per segment, information weights from all refs). */
export class PymtevalNist {
  private readonly refNgrams: Map<string, number>[];
  private readonly hitNgrams: Map<string, number>[][];
  private readonly candLens: number[][];
  private avgRefLen = 0;

  constructor(
    readonly maxNgram = 5,
    readonly caseSensitive = false,
  ) {
    this.refNgrams = Array.from({ length: maxNgram + 1 }, () => new Map<string, number>());
    this.hitNgrams = Array.from({ length: maxNgram }, () => []);
    this.candLens = Array.from({ length: maxNgram }, () => []);
  }

  append(pred: string | readonly string[], refs: readonly (string | readonly string[])[]): void {
    const p = typeof pred === 'string' ? pymtevalTokenize(pred) : pred;
    const rs = refs.map((r) => (typeof r === 'string' ? pymtevalTokenize(r) : r));
    const pl = fold(p, this.caseSensitive);
    const rl = rs.map((r) => fold(r, this.caseSensitive));
    for (let n = 0; n < this.maxNgram; n++) {
      this.candLens[n].push(p.length - n);
      const merged = ngramCounts(n + 1, rl);
      const hit = new Map<string, number>();
      for (const [g, c] of ngramCounts(n + 1, [pl])) {
        const h = Math.min(c, merged.get(g) ?? 0);
        if (h) hit.set(g, h);
      }
      this.hitNgrams[n].push(hit);
      const table = this.refNgrams[n + 1];
      for (const r of rl) for (const g of ngrams(n + 1, r)) table.set(g, (table.get(g) ?? 0) + 1);
    }
    let refLenSum = 0;
    for (const r of rs) refLenSum += r.length;
    this.refNgrams[0].set('', (this.refNgrams[0].get('') ?? 0) + refLenSum);
    this.avgRefLen += refLenSum / rs.length;
  }

  /** NIST information weight of an n-gram (key with U+0001 separators, `order` words). */
  private info(g: string, order: number): number {
    const count = this.refNgrams[order].get(g);
    if (count === undefined) return 0.0;
    const cut = g.lastIndexOf('\u0001');
    const prefix = order === 1 ? '' : g.slice(0, cut);
    return Math.log((this.refNgrams[order - 1].get(prefix) ?? 0) / count) / Math.log(2);
  }

  score(): number {
    let nistSum = 0;
    for (let n = 0; n < this.maxNgram; n++) {
      let hitInfo = 0.0;
      for (const hits of this.hitNgrams[n]) {
        let s = 0;
        for (const [g, h] of hits) s += this.info(g, n + 1) * h;
        hitInfo += s;
      }
      let total = 0;
      for (const l of this.candLens[n]) total += l;
      if (total === 0) throw new Error(`NIST is undefined: the system output has no ${n + 1}-grams (pymteval divides by zero)`);
      nistSum += hitInfo / total;
    }
    let sysLen = 0;
    for (const l of this.candLens[0]) sysLen += l;
    return nistLengthPenalty(sysLen / this.avgRefLen) * nistSum;
  }
}
