import { describe, expect, it } from 'vitest';
import { Bleu, type BleuOptions, type SmoothMethod } from './bleu.js';
import { Chrf, type ChrfOptions } from './chrf.js';
import { Ter, type TerOptions } from './ter.js';
import type { TokenizerName } from './tokenizers/index.js';
import { corpus, golden, TOLERANCE, type Corpus } from '../test/fixtures.js';

interface Case {
  corpus: string;
  metric: 'bleu' | 'chrf' | 'ter';
  options: Record<string, string | number | boolean>;
  score: number;
  name: string;
  signature: string;
  sentence: number[];
  sentenceSignature: string;
  counts?: number[];
  totals?: number[];
  bp?: number;
  sysLen?: number;
  refLen?: number;
  verbose?: string;
  numEdits?: number;
}

const data = golden<{ producedBy: string; cases: Case[] }>('sacrebleu');
const corpora = new Map<string, Corpus>();
const load = (name: string) => corpora.get(name) ?? corpora.set(name, corpus(name)).get(name)!;

function bleuOptions(o: Case['options']): BleuOptions {
  return {
    tokenize: (o.tokenize as TokenizerName | undefined) ?? '13a',
    lowercase: o.lowercase as boolean | undefined,
    smoothMethod: (o.smooth_method as SmoothMethod | undefined) ?? 'exp',
    smoothValue: o.smooth_value as number | undefined,
    effectiveOrder: o.effective_order as boolean | undefined,
    maxNgramOrder: o.max_ngram_order as number | undefined,
  };
}
function chrfOptions(o: Case['options']): ChrfOptions {
  return {
    charOrder: o.char_order as number | undefined,
    wordOrder: o.word_order as number | undefined,
    beta: o.beta as number | undefined,
    lowercase: o.lowercase as boolean | undefined,
    whitespace: o.whitespace as boolean | undefined,
    epsSmoothing: o.eps_smoothing as boolean | undefined,
  };
}
function terOptions(o: Case['options']): TerOptions {
  return {
    normalized: o.normalized as boolean | undefined,
    noPunct: o.no_punct as boolean | undefined,
    asianSupport: o.asian_support as boolean | undefined,
    caseSensitive: o.case_sensitive as boolean | undefined,
  };
}
function metric(c: Case, sentence: boolean) {
  if (c.metric === 'bleu') {
    const o = bleuOptions(c.options);
    return new Bleu(sentence ? { ...o, effectiveOrder: o.effectiveOrder ?? true } : o);
  }
  return c.metric === 'chrf' ? new Chrf(chrfOptions(c.options)) : new Ter(terOptions(c.options));
}

describe(`sacrebleu parity (${data.producedBy})`, () => {
  it.each(data.cases.map((c) => [`${c.metric} ${JSON.stringify(c.options)} on ${c.corpus}`, c] as const))('%s', (_, c) => {
    const { hyps, streams } = load(c.corpus);
    const s = metric(c, false).corpusScore(hyps, streams);
    expect(Math.abs(s.score - c.score)).toBeLessThanOrEqual(TOLERANCE);
    expect(s.name).toBe(c.name);
    expect(s.signature.format()).toBe(c.signature);
    if (c.metric === 'bleu' && 'counts' in s) {
      expect(s.counts).toEqual(c.counts);
      expect(s.totals).toEqual(c.totals);
      expect([s.sysLen, s.refLen]).toEqual([c.sysLen, c.refLen]);
      expect(s.verbose).toBe(c.verbose);
    }
    if (c.metric === 'ter' && 'numEdits' in s) expect(s.numEdits).toBe(c.numEdits);
    const m = metric(c, true);
    c.sentence.forEach((want, i) => {
      const refs = streams.map((st) => st[i]).filter((r): r is string => r !== null);
      expect(Math.abs(m.sentenceScore(hyps[i], refs).score - want)).toBeLessThanOrEqual(TOLERANCE);
    });
    expect(m.signature().format()).toBe(c.sentenceSignature);
  });
});
