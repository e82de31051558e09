// TER exactly as sacrebleu 2.x computes it (`sacrebleu/metrics/ter.py`, `tokenizers/tokenizer_ter.py`).
import { pyLower, pyRstrip, pySplit } from './text.js';
import { makeSignature, type MetricScore, type Signature } from './signature.js';
import { sumStats, type ReferenceStreams } from './bleu.js';
import { translationEditRate } from './tercom.js';

export interface TerOptions {
  /** Apply tercom's normalization and punctuation tokenization (default false). */
  normalized?: boolean;
  /** Remove punctuation (default false). */
  noPunct?: boolean;
  /** Treat CJK characters specially when `normalized` / `noPunct` are on (default false). */
  asianSupport?: boolean;
  /** Do not lowercase (default false). */
  caseSensitive?: boolean;
}

export interface TerScore extends MetricScore {
  name: 'TER';
  numEdits: number;
  refLength: number;
}

const ASIAN_PUNCT = /([\u3001\u3002\u3008-\u3011\u3014-\u301f\uff61-\uff65\u30fb])/g;
const FULL_WIDTH_PUNCT = /([\uff0e\uff0c\uff1f\uff1a\uff1b\uff01\uff02\uff08\uff09])/g;

function normalizeGeneralAndWestern(sent: string): string {
  let s = sent.replace(/\n-/g, '').replace(/\n/g, ' ');
  s = s.replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>');
  s = ` ${s} `;
  s = s.replace(/([{-~[-` -&(-+:-@/])/g, ' $1 ');
  s = s.replace(/'s /g, " 's ").replace(/'s$/g, " 's");
  s = s.replace(/([^0-9])([.,])/g, '$1 $2 ');
  s = s.replace(/([.,])([^0-9])/g, ' $1 $2');
  return s.replace(/([0-9])(-)/g, '$1 $2 ');
}

function normalizeAsian(sent: string): string {
  let s = sent.replace(/([\u4e00-\u9fff\u3400-\u4dbf])/g, ' $1 ');
  s = s.replace(/([\u31c0-\u31ef\u2e80-\u2eff])/g, ' $1 ');
  s = s.replace(/([\u3300-\u33ff\uf900-\ufaff\ufe30-\ufe4f])/g, ' $1 ');
  s = s.replace(/([\u3200-\u3f22])/g, ' $1 ');
  // These three patterns can only match a whole line of kana (sacrebleu writes `^[...]` inside the group).
  s = s.replace(/(^|^[\u3040-\u309f])([\u3040-\u309f]+)(?=$|^[\u3040-\u309f])/g, '$1 $2 ');
  s = s.replace(/(^|^[\u30a0-\u30ff])([\u30a0-\u30ff]+)(?=$|^[\u30a0-\u30ff])/g, '$1 $2 ');
  s = s.replace(/(^|^[\u31f0-\u31ff])([\u31f0-\u31ff]+)(?=$|^[\u31f0-\u31ff])/g, '$1 $2 ');
  return s.replace(ASIAN_PUNCT, ' $1 ').replace(FULL_WIDTH_PUNCT, ' $1 ');
}

/** sacrebleu's `TercomTokenizer`. */
export function tercomTokenize(sent: string, opts: TerOptions = {}): string {
  if (!sent) return '';
  let s = opts.caseSensitive ? sent : pyLower(sent);
  if (opts.normalized) {
    s = normalizeGeneralAndWestern(s);
    if (opts.asianSupport) s = normalizeAsian(s);
  }
  if (opts.noPunct) {
    s = s.replace(/[.,?:;!"()]/g, '');
    if (opts.asianSupport) s = s.replace(ASIAN_PUNCT, '').replace(FULL_WIDTH_PUNCT, '');
  }
  return pySplit(s).join(' ');
}

/** sacrebleu's TER metric. */
export class Ter {
  readonly opts: Required<TerOptions>;
  private numRefs = 1;

  constructor(opts: TerOptions = {}) {
    this.opts = {
      normalized: opts.normalized ?? false,
      noPunct: opts.noPunct ?? false,
      asianSupport: opts.asianSupport ?? false,
      caseSensitive: opts.caseSensitive ?? false,
    };
  }

  preprocess(sent: string): string {
    return tercomTokenize(pyRstrip(sent), this.opts);
  }

  /** Per segment `[best edits, average reference length]`. */
  segmentStatistics(hypotheses: readonly string[], references: ReferenceStreams): number[][] {
    const counts = new Set<number>();
    const out: number[][] = [];
    for (let i = 0; i < hypotheses.length; i++) {
      const refs: string[][] = [];
      for (const stream of references) {
        const r = stream[i];
        if (r !== null && r !== undefined) refs.push(pySplit(this.preprocess(r)));
      }
      counts.add(refs.length);
      const hyp = pySplit(this.preprocess(hypotheses[i]));
      let refLengths = 0;
      let best = 1e16;
      for (const ref of refs) {
        const [edits, len] = translationEditRate(hyp, ref);
        refLengths += len;
        if (edits < best) best = edits;
      }
      out.push([best, refLengths / refs.length]);
    }
    this.numRefs = counts.size === 1 ? [...counts][0] : -1;
    return out;
  }

  signature(): Signature {
    const o = this.opts;
    return makeSignature(this.numRefs, [
      { key: 'case', short: 'c', value: o.caseSensitive ? 'mixed' : 'lc' },
      { key: 'tok', short: 't', value: 'tercom' },
      { key: 'norm', short: 'nr', value: o.normalized ? 'yes' : 'no' },
      { key: 'punct', short: 'pn', value: o.noPunct ? 'no' : 'yes' },
      { key: 'asian', short: 'as', value: o.asianSupport ? 'yes' : 'no' },
    ]);
  }

  scoreFromStats(stats: readonly number[]): TerScore {
    const [edits, refLength] = stats;
    const score = refLength > 0 ? edits / refLength : edits > 0 ? 1 : 0;
    return { name: 'TER', score: 100 * score, verbose: '', signature: this.signature(), numEdits: Math.trunc(edits), refLength };
  }

  corpusScore(hypotheses: readonly string[], references: ReferenceStreams): TerScore {
    return this.scoreFromStats(sumStats(this.segmentStatistics(hypotheses, references)));
  }

  sentenceScore(hypothesis: string, references: readonly string[]): TerScore {
    return this.corpusScore([hypothesis], references.map((r) => [r]));
  }
}

/** Corpus TER as `sacrebleu.corpus_ter`. */
export function corpusTer(hypotheses: readonly string[], references: ReferenceStreams, opts: TerOptions = {}): TerScore {
  return new Ter(opts).corpusScore(hypotheses, references);
}

/** Sentence TER as `sacrebleu.sentence_ter`. */
export function sentenceTer(hypothesis: string, references: readonly string[], opts: TerOptions = {}): TerScore {
  return new Ter(opts).sentenceScore(hypothesis, references);
}
