// BLEU exactly as sacrebleu 2.x computes it (`sacrebleu/metrics/bleu.py`), corpus and sentence level.
import { formatFixed, pyLower, pyRstrip, pySplit } from './text.js';
import { makeSignature, type MetricScore, type Signature } from './signature.js';
import { getTokenizer, type TokenizerName } from './tokenizers/index.js';

export const SMOOTH_METHODS = ['exp', 'floor', 'add-k', 'none'] as const;
export type SmoothMethod = (typeof SMOOTH_METHODS)[number];

/** Default smoothing value per method (Chen & Cherry 2014); `null` when the method takes none. */
const SMOOTH_DEFAULTS: Record<SmoothMethod, number | null> = { none: null, floor: 0.1, 'add-k': 1, exp: null };

export interface BleuOptions {
  /** Lowercase hypotheses and references first (default false). */
  lowercase?: boolean;
  /** Tokenizer (default `13a`). */
  tokenize?: TokenizerName;
  /** Smoothing (default `exp`, mteval's). */
  smoothMethod?: SmoothMethod;
  /** Value for `floor` (default 0.1) and `add-k` (default 1). */
  smoothValue?: number | null;
  /** Largest n-gram order (default 4). */
  maxNgramOrder?: number;
  /** Skip n-gram orders the hypothesis is too short to have (use for sentence BLEU; default false). */
  effectiveOrder?: boolean;
}

/** A BLEU result with sacrebleu's fields. */
export interface BleuScore extends MetricScore {
  name: 'BLEU';
  /** Matched n-grams per order (after add-k smoothing, as sacrebleu reports them). */
  counts: number[];
  /** Hypothesis n-grams per order. */
  totals: number[];
  /** Precision per order on the 0–100 scale. */
  precisions: number[];
  bp: number;
  sysLen: number;
  refLen: number;
}

/** Reference streams: `references[k][i]` is the k-th reference of segment i; `null` marks a missing one. */
export type ReferenceStreams = readonly (readonly (string | null)[])[];

interface RefInfo {
  ngrams: Map<string, number>;
  lens: number[];
}

/** Counts all n-grams of orders 1..maxOrder in whitespace-split `line`; keys are space-joined tokens. */
export function extractWordNgrams(tokens: readonly string[], maxOrder: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let n = 1; n <= maxOrder; n++) {
    for (let i = 0; i + n <= tokens.length; i++) {
      const key = n === 1 ? tokens[i] : tokens.slice(i, i + n).join(' ');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

function orderOf(key: string): number {
  let n = 1;
  for (let i = 0; i < key.length; i++) if (key.charCodeAt(i) === 32) n++;
  return n;
}

/** Computes BLEU from sufficient statistics (sacrebleu's `BLEU.compute_bleu`). */
export function computeBleu(
  correctIn: readonly number[],
  totalIn: readonly number[],
  sysLen: number,
  refLen: number,
  opts: { smoothMethod?: SmoothMethod; smoothValue?: number | null; effectiveOrder?: boolean; maxNgramOrder?: number } = {},
): { score: number; counts: number[]; totals: number[]; precisions: number[]; bp: number } {
  const method = opts.smoothMethod ?? 'none';
  const maxOrder = opts.maxNgramOrder ?? 4;
  const smoothValue = opts.smoothValue ?? SMOOTH_DEFAULTS[method];
  const correct = [...correctIn];
  const total = [...totalIn];
  let bp = 1.0;
  if (sysLen < refLen) bp = sysLen > 0 ? Math.exp(1 - refLen / sysLen) : 0.0;
  const precisions = new Array<number>(maxOrder).fill(0);
  if (!correct.some((c) => c !== 0)) return { score: 0, counts: correct, totals: total, precisions, bp };
  let smoothMteval = 1;
  let effOrder = maxOrder;
  for (let n = 1; n <= maxOrder; n++) {
    if (method === 'add-k' && n > 1) {
      correct[n - 1] += smoothValue as number;
      total[n - 1] += smoothValue as number;
    }
    if (total[n - 1] === 0) break;
    if (opts.effectiveOrder) effOrder = n;
    if (correct[n - 1] === 0) {
      if (method === 'exp') {
        smoothMteval *= 2;
        precisions[n - 1] = 100 / (smoothMteval * total[n - 1]);
      } else if (method === 'floor') {
        precisions[n - 1] = (100 * (smoothValue as number)) / total[n - 1];
      }
    } else precisions[n - 1] = (100 * correct[n - 1]) / total[n - 1];
  }
  let logSum = 0;
  for (let i = 0; i < effOrder; i++) logSum += precisions[i] === 0 ? -9999999999 : Math.log(precisions[i]);
  return { score: bp * Math.exp(logSum / effOrder), counts: correct, totals: total, precisions, bp };
}

/** sacrebleu's BLEU metric: tokenization, reference caching, statistics and the final score. */
export class Bleu {
  readonly lowercase: boolean;
  readonly tokenizerName: TokenizerName;
  readonly smoothMethod: SmoothMethod;
  readonly smoothValue: number | null;
  readonly maxNgramOrder: number;
  readonly effectiveOrder: boolean;
  private readonly tokenizer: (line: string) => string;
  private numRefs = 1;

  constructor(opts: BleuOptions = {}) {
    this.lowercase = opts.lowercase ?? false;
    this.tokenizerName = opts.tokenize ?? '13a';
    this.smoothMethod = opts.smoothMethod ?? 'exp';
    if (!(SMOOTH_METHODS as readonly string[]).includes(this.smoothMethod)) {
      throw new Error(`unknown smooth method "${this.smoothMethod}" (available: ${SMOOTH_METHODS.join(', ')})`);
    }
    this.smoothValue = opts.smoothValue ?? null;
    this.maxNgramOrder = opts.maxNgramOrder ?? 4;
    this.effectiveOrder = opts.effectiveOrder ?? false;
    this.tokenizer = getTokenizer(this.tokenizerName);
  }

  /** Lowercases (optionally), strips trailing whitespace and tokenizes one segment. */
  preprocess(sent: string): string {
    return this.tokenizer(pyRstrip(this.lowercase ? pyLower(sent) : sent));
  }

  private refInfo(refs: readonly string[]): RefInfo {
    let ngrams: Map<string, number> | null = null;
    const lens: number[] = [];
    for (const ref of refs) {
      const tokens = pySplit(ref);
      const counts = extractWordNgrams(tokens, this.maxNgramOrder);
      lens.push(tokens.length);
      if (ngrams === null) ngrams = counts;
      else for (const [k, c] of counts) ngrams.set(k, Math.max(ngrams.get(k) ?? 0, c));
    }
    return { ngrams: ngrams ?? new Map(), lens };
  }

  private segmentStats(hyp: string, info: RefInfo): number[] {
    const tokens = pySplit(hyp);
    const hypLen = tokens.length;
    let closestDiff = -1;
    let closestLen = -1;
    for (const len of info.lens) {
      const diff = Math.abs(hypLen - len);
      if (closestDiff === -1 || diff < closestDiff) {
        closestDiff = diff;
        closestLen = len;
      } else if (diff === closestDiff && len < closestLen) closestLen = len;
    }
    const m = this.maxNgramOrder;
    const stats = new Array<number>(2 + 2 * m).fill(0);
    stats[0] = hypLen;
    stats[1] = closestLen;
    for (const [key, count] of extractWordNgrams(tokens, m)) {
      const n = orderOf(key) - 1;
      stats[2 + m + n] += count;
      const refCount = info.ngrams.get(key);
      if (refCount !== undefined) stats[2 + n] += Math.min(count, refCount);
    }
    return stats;
  }

  /** Per-segment statistics `[hypLen, refLen, correct×N, total×N]` (sacrebleu's `_extract_corpus_statistics`). */
  segmentStatistics(hypotheses: readonly string[], references: ReferenceStreams): number[][] {
    const counts = new Set<number>();
    const stats: number[][] = [];
    for (let i = 0; i < hypotheses.length; i++) {
      const lines: string[] = [];
      for (const stream of references) {
        const r = stream[i];
        if (r !== null && r !== undefined) lines.push(r);
      }
      counts.add(lines.length);
      const info = this.refInfo(lines.map((l) => this.preprocess(l)));
      stats.push(this.segmentStats(this.preprocess(hypotheses[i]), info));
    }
    this.numRefs = counts.size === 1 ? [...counts][0] : -1;
    return stats;
  }

  /** The score from summed statistics. */
  scoreFromStats(stats: readonly number[]): BleuScore {
    const m = this.maxNgramOrder;
    const r = computeBleu(stats.slice(2, 2 + m), stats.slice(2 + m), stats[0], stats[1], {
      smoothMethod: this.smoothMethod,
      smoothValue: this.smoothValue,
      effectiveOrder: this.effectiveOrder,
      maxNgramOrder: m,
    });
    const sysLen = stats[0];
    const refLen = stats[1];
    const ratio = refLen ? sysLen / refLen : 0;
    const prec = r.precisions.map((p) => formatFixed(p, 1)).join('/');
    const verbose = `${prec} (BP = ${formatFixed(r.bp, 3)} ratio = ${formatFixed(ratio, 3)} hyp_len = ${sysLen} ref_len = ${refLen})`;
    return { ...r, name: 'BLEU', verbose, signature: this.signature(), sysLen, refLen };
  }

  /** sacrebleu's `BLEU.get_signature()` for the last scored input. */
  signature(): Signature {
    const def = SMOOTH_DEFAULTS[this.smoothMethod];
    const smooth = def === null ? this.smoothMethod : `${this.smoothMethod}[${formatFixed(this.smoothValue ?? def, 2)}]`;
    return makeSignature(this.numRefs, [
      { key: 'case', short: 'c', value: this.lowercase ? 'lc' : 'mixed' },
      { key: 'eff', short: 'e', value: this.effectiveOrder ? 'yes' : 'no' },
      { key: 'tok', short: 'tok', value: this.tokenizerName },
      { key: 'smooth', short: 's', value: smooth },
    ]);
  }

  /** Corpus BLEU over `hypotheses` against reference streams. */
  corpusScore(hypotheses: readonly string[], references: ReferenceStreams): BleuScore {
    return this.scoreFromStats(sumStats(this.segmentStatistics(hypotheses, references)));
  }

  /** BLEU of one hypothesis against its references. */
  sentenceScore(hypothesis: string, references: readonly string[]): BleuScore {
    return this.corpusScore([hypothesis], references.map((r) => [r]));
  }
}

/** sacrebleu's `sum_of_lists`: element-wise sum in order. */
export function sumStats(stats: readonly (readonly number[])[]): number[] {
  if (stats.length === 0) throw new Error('no segments to score');
  if (stats.length === 1) return [...stats[0]];
  const total = new Array<number>(stats[0].length).fill(0);
  for (const s of stats) for (let i = 0; i < total.length; i++) total[i] += s[i];
  return total;
}

/** Corpus BLEU as `sacrebleu.corpus_bleu(hypotheses, references, ...)`. */
export function corpusBleu(hypotheses: readonly string[], references: ReferenceStreams, opts: BleuOptions = {}): BleuScore {
  return new Bleu(opts).corpusScore(hypotheses, references);
}

/** Sentence BLEU as `sacrebleu.sentence_bleu(hypothesis, references, ...)` (effective order on by default there too). */
export function sentenceBleu(hypothesis: string, references: readonly string[], opts: BleuOptions = {}): BleuScore {
  return new Bleu({ effectiveOrder: true, ...opts }).sentenceScore(hypothesis, references);
}
