// chrF and chrF++ exactly as sacrebleu 2.x computes them (`sacrebleu/metrics/chrf.py`).
import { pyLower, pySplit } from './text.js';
import { makeSignature, type MetricScore, type Signature } from './signature.js';
import { sumStats, type ReferenceStreams } from './bleu.js';

export interface ChrfOptions {
  /** Character n-gram order (default 6). */
  charOrder?: number;
  /** Word n-gram order (default 0; 2 is chrF++). */
  wordOrder?: number;
  /** Recall weight (default 2). */
  beta?: number;
  lowercase?: boolean;
  /** Keep whitespace inside character n-grams (default false). */
  whitespace?: boolean;
  /** chrF++.py-style epsilon smoothing instead of effective-order averaging (default false). */
  epsSmoothing?: boolean;
}

export interface ChrfScore extends MetricScore {
  charOrder: number;
  wordOrder: number;
  beta: number;
}

const PUNCTS = new Set('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~');

/** Character n-gram counts for orders 1..maxOrder (code points, like Python slicing). */
function charNgrams(line: string, maxOrder: number, whitespace: boolean): Map<string, number>[] {
  const s = whitespace ? line : pySplit(line).join('');
  const out: Map<string, number>[] = [];
  let bounds: number[] | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      bounds = [];
      for (let j = 0; j < s.length; ) {
        bounds.push(j);
        const d = s.charCodeAt(j);
        j += d >= 0xd800 && d <= 0xdbff && j + 1 < s.length ? 2 : 1;
      }
      bounds.push(s.length);
      break;
    }
  }
  const len = bounds ? bounds.length - 1 : s.length;
  for (let n = 1; n <= maxOrder; n++) {
    const counts = new Map<string, number>();
    for (let i = 0; i + n <= len; i++) {
      const key = bounds ? s.slice(bounds[i], bounds[i + n]) : s.slice(i, i + n);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    out.push(counts);
  }
  return out;
}

function wordNgrams(words: readonly string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= words.length; i++) {
    const key = words.slice(i, i + n).join(' ');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

function isOneCodePoint(w: string): boolean {
  if (w.length === 1) return true;
  if (w.length !== 2) return false;
  const c = w.charCodeAt(0);
  return c >= 0xd800 && c <= 0xdbff;
}

/** chrF+'s punctuation split: a leading or trailing ASCII punctuation mark becomes its own word. */
function removePunctuation(sent: string): string[] {
  const out: string[] = [];
  for (const w of pySplit(sent)) {
    if (isOneCodePoint(w)) out.push(w);
    else if (PUNCTS.has(w[w.length - 1])) out.push(w.slice(0, -1), w[w.length - 1]);
    else if (PUNCTS.has(w[0])) out.push(w[0], w.slice(1));
    else out.push(w);
  }
  return out;
}

/** sacrebleu's chrF metric. */
export class Chrf {
  readonly charOrder: number;
  readonly wordOrder: number;
  readonly beta: number;
  readonly lowercase: boolean;
  readonly whitespace: boolean;
  readonly epsSmoothing: boolean;
  private numRefs = 1;

  constructor(opts: ChrfOptions = {}) {
    this.charOrder = opts.charOrder ?? 6;
    this.wordOrder = opts.wordOrder ?? 0;
    this.beta = opts.beta ?? 2;
    this.lowercase = opts.lowercase ?? false;
    this.whitespace = opts.whitespace ?? false;
    this.epsSmoothing = opts.epsSmoothing ?? false;
  }

  private ngrams(sent: string): Map<string, number>[] {
    const all = charNgrams(sent, this.charOrder, this.whitespace);
    if (this.wordOrder > 0) {
      const words = removePunctuation(sent);
      for (let n = 1; n <= this.wordOrder; n++) all.push(wordNgrams(words, n));
    }
    return all;
  }

  /** The F-score on the 0–100 scale from flattened `[hyp, ref, match]` triples per order. */
  fScore(stats: readonly number[]): number {
    const eps = 1e-16;
    const order = this.charOrder + this.wordOrder;
    const factor = this.beta ** 2;
    let score = 0;
    let effective = 0;
    let avgPrec = 0;
    let avgRec = 0;
    for (let i = 0; i < order; i++) {
      const nHyp = stats[3 * i];
      const nRef = stats[3 * i + 1];
      const nMatch = stats[3 * i + 2];
      const prec = nHyp > 0 ? nMatch / nHyp : eps;
      const rec = nRef > 0 ? nMatch / nRef : eps;
      const denom = factor * prec + rec;
      score += denom > 0 ? ((1 + factor) * prec * rec) / denom : eps;
      if (nHyp > 0 && nRef > 0) {
        avgPrec += prec;
        avgRec += rec;
        effective += 1;
      }
    }
    if (this.epsSmoothing) return (100 * score) / order;
    if (effective === 0) avgPrec = avgRec = 0;
    else {
      avgPrec /= effective;
      avgRec /= effective;
    }
    if (avgPrec + avgRec) {
      let s = (1 + factor) * avgPrec * avgRec;
      s /= factor * avgPrec + avgRec;
      return 100 * s;
    }
    return 0;
  }

  /** Per-segment statistics, best reference by F-score (sacrebleu's `_compute_segment_statistics`). */
  segmentStatistics(hypotheses: readonly string[], references: ReferenceStreams): number[][] {
    const counts = new Set<number>();
    const out: number[][] = [];
    for (let i = 0; i < hypotheses.length; i++) {
      const refs: string[] = [];
      for (const stream of references) {
        const r = stream[i];
        if (r !== null && r !== undefined) refs.push(r);
      }
      counts.add(refs.length);
      const hypNgrams = this.ngrams(this.prep(hypotheses[i]));
      let best: number[] = [];
      let bestF = -1;
      for (const ref of refs) {
        const refNgrams = this.ngrams(this.prep(ref));
        const stats: number[] = [];
        for (let k = 0; k < hypNgrams.length && k < refNgrams.length; k++) {
          const h = hypNgrams[k];
          const r = refNgrams[k];
          let match = 0;
          let hypCount = 0;
          for (const [ng, c] of h) {
            hypCount += c;
            const rc = r.get(ng);
            if (rc !== undefined) match += Math.min(c, rc);
          }
          let refCount = 0;
          for (const c of r.values()) refCount += c;
          stats.push(r.size > 0 ? hypCount : 0, refCount, match);
        }
        const f = this.fScore(stats);
        if (f > bestF) {
          bestF = f;
          best = stats;
        }
      }
      out.push(best);
    }
    this.numRefs = counts.size === 1 ? [...counts][0] : -1;
    return out;
  }

  private prep(s: string): string {
    return this.lowercase ? pyLower(s) : s;
  }

  signature(): Signature {
    return makeSignature(this.numRefs, [
      { key: 'case', short: 'c', value: this.lowercase ? 'lc' : 'mixed' },
      { key: 'eff', short: 'e', value: this.epsSmoothing ? 'no' : 'yes' },
      { key: 'nc', short: 'nc', value: String(this.charOrder) },
      { key: 'nw', short: 'nw', value: String(this.wordOrder) },
      { key: 'space', short: 's', value: this.whitespace ? 'yes' : 'no' },
    ]);
  }

  scoreFromStats(stats: readonly number[]): ChrfScore {
    return {
      name: `chrF${this.beta}${'+'.repeat(this.wordOrder)}`,
      score: this.fScore(stats),
      verbose: '',
      signature: this.signature(),
      charOrder: this.charOrder,
      wordOrder: this.wordOrder,
      beta: this.beta,
    };
  }

  corpusScore(hypotheses: readonly string[], references: ReferenceStreams): ChrfScore {
    return this.scoreFromStats(sumStats(this.segmentStatistics(hypotheses, references)));
  }

  sentenceScore(hypothesis: string, references: readonly string[]): ChrfScore {
    return this.corpusScore([hypothesis], references.map((r) => [r]));
  }
}

/** Corpus chrF as `sacrebleu.corpus_chrf`. */
export function corpusChrf(hypotheses: readonly string[], references: ReferenceStreams, opts: ChrfOptions = {}): ChrfScore {
  return new Chrf(opts).corpusScore(hypotheses, references);
}

/** Sentence chrF as `sacrebleu.sentence_chrf`. */
export function sentenceChrf(hypothesis: string, references: readonly string[], opts: ChrfOptions = {}): ChrfScore {
  return new Chrf(opts).sentenceScore(hypothesis, references);
}
