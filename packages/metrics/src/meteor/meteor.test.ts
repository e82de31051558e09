import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadParaphraseTable, type ParaphraseTable } from './paraphrase.js';
import { computeMeteor, emptyStats, Meteor } from './scorer.js';
import type { MeteorModule } from './aligner.js';
import { normalizeMeteorEn } from './normalizer.js';
import { DEFAULT_WORDNET_DIR, SynonymDictionary, WordNetMissingError } from './wordnet.js';
import { corpus, FIXTURES, golden } from '../../test/fixtures.js';

interface Case {
  corpus: string;
  config: string;
  args: string[];
  score: number;
  segments: number[];
}
const data = golden<{ producedBy: string; cases: Case[] }>('meteor');
const HAS_WORDNET = existsSync(join(DEFAULT_WORDNET_DIR, 'index.noun'));

describe.skipIf(!HAS_WORDNET)(`METEOR matches ${data.producedBy}`, () => {
  let synonyms: SynonymDictionary;
  let table: ParaphraseTable;
  beforeAll(async () => {
    synonyms = SynonymDictionary.fromWordNet();
    table = await loadParaphraseTable(join(FIXTURES, 'corpora', 'paraphrase-test.gz'));
  });
  it.each(data.cases.map((c) => [`${c.config} on ${c.corpus}`, c] as const))('%s', (_, c) => {
    const k = corpus(c.corpus);
    const refs = k.hyps.map((_h, i) => k.streams.map((s) => s[i]).filter((r): r is string => r !== null));
    const modules = c.args[c.args.indexOf('-m') + 1].split(' ') as MeteorModule[];
    const weights = c.args[c.args.indexOf('-w') + 1].split(' ').map(Number);
    const normalize = c.args.includes('-norm') ? 'norm' : c.args.includes('-lower') ? 'lower' : 'none';
    const m = new Meteor({ modules, weights, normalize, synonyms, paraphrases: modules.includes('paraphrase') ? table : undefined });
    const r = m.corpusScore(k.hyps, refs);
    // Same arithmetic in the same order as the Java scorer; Java prints doubles with its own (not always
    // shortest) algorithm and Math.pow may differ in the last bit, so allow 1e-12 on the 0–1 scale.
    expect(Math.abs(r.score - c.score)).toBeLessThanOrEqual(1e-12);
    expect(r.segments.length).toBe(c.segments.length);
    r.segments.forEach((v, i) => expect(Math.abs(v - c.segments[i])).toBeLessThanOrEqual(1e-12));
  });
});

describe('METEOR pieces', () => {
  it('normalizes like METEOR -norm', () => {
    expect(normalizeMeteorEn("He said: “Don't go” -- U.S.-based, 3,000.50... Mr. X")).toBe(`He said : " Don 't go " - US based , 3,000.50 ... Mr. X`);
  });
  it('scores an identical pair 1 - fragmentation penalty and an empty one 0', () => {
    const s = { ...emptyStats(1), testLength: 4, referenceLength: 4, testContent: [4], referenceContent: [4], chunks: 1, testWordMatches: 4, referenceWordMatches: 4 };
    expect(computeMeteor(s, undefined, [1]).score).toBe(1);
    expect(computeMeteor(emptyStats(1), undefined, [1]).score).toBe(0);
  });
  it('says how to install WordNet when it is missing', () => {
    expect(() => SynonymDictionary.fromWordNet('/nonexistent/wordnet')).toThrow(WordNetMissingError);
    expect(() => SynonymDictionary.fromWordNet('/nonexistent/wordnet')).toThrow(/apt-get install wordnet-base/);
  });
  it('runs without WordNet when the synonym module is off', () => {
    const m = new Meteor({ modules: ['exact', 'stem'], wordnetDir: '/nonexistent' });
    expect(m.corpusScore(['the cats sat'], [['the cat sat']]).score).toBeGreaterThan(0.5);
  });
});
