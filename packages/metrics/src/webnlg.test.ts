import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loraDecodeTokenize, padReferences, readWebNLGFiles, scoreWebNLG } from './webnlg.js';
import { nltkWordTokenize } from './nltk-tokenizer.js';
import { pyterTer } from './pyter.js';
import { multiBleuDetok } from './multi-bleu-detok.js';
import { DEFAULT_WORDNET_DIR, SynonymDictionary } from './meteor/wordnet.js';
import { FIXTURES, golden } from '../test/fixtures.js';

interface Data {
  producedBy: string;
  results: { name: string; dir: string; trailingNewline: boolean; BLEU: number; METEOR: number; TER: number }[];
  nltk: { input: string; tokens: string[] }[];
  pyter: { hyp: string; ref: string; ter: number }[];
}
const data = golden<Data>('webnlg');
const HAS_WORDNET = existsSync(join(DEFAULT_WORDNET_DIR, 'index.noun'));

describe(`WebNLG/DART evaluation matches ${data.producedBy}`, () => {
  let synonyms: SynonymDictionary | undefined;
  beforeAll(() => {
    if (HAS_WORDNET) synonyms = SynonymDictionary.fromWordNet();
  });
  it.each(data.results.map((r) => [`${r.name}${r.trailingNewline ? ' (files end with a newline)' : ''}`, r] as const))('%s', (_, r) => {
    const { hypotheses, references } = readWebNLGFiles(join(FIXTURES, r.dir, 'reference'), join(FIXTURES, r.dir, 'hypothesis'), 6);
    const bleu = multiBleuDetok(hypotheses.filter((_h, i) => i < hypotheses.length - (r.trailingNewline ? 1 : 0)), references.map((f) => f.slice(0, f.length - (r.trailingNewline ? 1 : 0))));
    expect(Math.abs(bleu.bleu - r.BLEU)).toBeLessThanOrEqual(1e-9);
    if (!synonyms) return;
    const s = scoreWebNLG(hypotheses, references, { trailingEmptyLine: r.trailingNewline, meteor: { synonyms } });
    expect(Math.abs(s.BLEU - r.BLEU)).toBeLessThanOrEqual(1e-9);
    expect(Math.abs(s.TER - r.TER) * 100).toBeLessThanOrEqual(1e-9);
    // eval.py's own METEOR call fails (-1) on files ending with a newline; the clean run has the real value.
    const clean = data.results.find((x) => x.name === r.name && !x.trailingNewline)!;
    expect(Math.abs(s.METEOR - clean.METEOR)).toBeLessThanOrEqual(1e-12);
    if (r.trailingNewline) expect(r.METEOR).toBe(-1);
  });
  it('tokenizes like NLTK 3.5 NLTKWordTokenizer', () => {
    const wrong = data.nltk.filter((c) => JSON.stringify(nltkWordTokenize(c.input)) !== JSON.stringify(c.tokens));
    expect(wrong.map((c) => c.input)).toEqual([]);
  });
  it('computes TER like pyter', () => {
    for (const c of data.pyter) expect(Math.abs(pyterTer(c.hyp.split(/\s+/).filter(Boolean), c.ref.split(/\s+/).filter(Boolean)) - c.ter)).toBeLessThanOrEqual(1e-12);
  });
});

describe('LoRA decoding conventions', () => {
  it('lowercases and splits at every non-word character, keeping accented letters', () => {
    expect(loraDecodeTokenize("Don't go to Café-Rouge, 30.5 km!")).toBe("don ' t go to café - rouge , 30 . 5 km !");
  });
  it('pads references to six by repeating the first and drops extra ones', () => {
    const padded = padReferences([['a', 'b'], ['c', 'd', 'e', 'f', 'g', 'h', 'i']]);
    expect(padded.map((f) => f[0])).toEqual(['a', 'b', 'a', 'a', 'a', 'a']);
    expect(padded.map((f) => f[1])).toEqual(['c', 'd', 'e', 'f', 'g', 'h']);
  });
  it('names files with different line counts, and an empty hypothesis file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lorats-webnlg-'));
    for (let k = 0; k < 2; k++) writeFileSync(join(dir, `reference${k}`), k === 1 ? 'a\nb\nc\n' : 'a\nb\n');
    writeFileSync(join(dir, 'hyp'), 'x\ny\n');
    writeFileSync(join(dir, 'empty'), '');
    expect(() => readWebNLGFiles(join(dir, 'reference'), join(dir, 'hyp'), 2)).toThrow(/reference1 has 3 lines but .*hyp has 2/);
    expect(() => readWebNLGFiles(join(dir, 'reference'), join(dir, 'empty'), 2)).toThrow(/empty: empty file/);
  });
  it('reports missing reference files by name', () => {
    expect(() => readWebNLGFiles('/nonexistent/reference', '/nonexistent/hyp', 6)).toThrow(/reference0: reference file not found/);
  });
});
