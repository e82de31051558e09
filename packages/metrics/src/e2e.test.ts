import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadE2EData, parseCsvLine, scoreE2E } from './e2e.js';
import { mtevalV13a } from './mteval-v13a.js';
import { DEFAULT_WORDNET_DIR, SynonymDictionary } from './meteor/wordnet.js';
import { FIXTURES, golden } from '../test/fixtures.js';

interface Result {
  name: string;
  refs: string;
  hyps: string;
  python: { BLEU: number; NIST: number };
  perl: { BLEU: number; NIST: number };
  METEOR: number;
  ROUGE_L: number;
  CIDEr: number;
  segments: { METEOR: number[]; ROUGE_L: number[]; CIDEr: number[] };
}
const data = golden<{ producedBy: string; results: Result[] }>('e2e');
const HAS_WORDNET = existsSync(join(DEFAULT_WORDNET_DIR, 'index.noun'));
// 1e-9 on the 0–100 scale (NIST is not a percentage, but held to the same absolute bound).
const close = (got: number, want: number) => expect(Math.abs(got - want) * 100).toBeLessThanOrEqual(1e-9);

describe.skipIf(!HAS_WORDNET)(`E2E scorer matches ${data.producedBy}`, () => {
  let synonyms: SynonymDictionary;
  beforeAll(() => {
    synonyms = SynonymDictionary.fromWordNet();
  });
  it.each(data.results.map((r) => [r.name, r] as const))('%s', (_, r) => {
    const input = loadE2EData(join(FIXTURES, r.refs), join(FIXTURES, r.hyps));
    const s = scoreE2E(input, { meteor: { synonyms } });
    close(s.BLEU, r.python.BLEU);
    close(s.NIST, r.python.NIST);
    const perl = mtevalV13a(input.references, input.outputs);
    close(perl.bleu, r.perl.BLEU);
    close(perl.nist, r.perl.NIST);
    close(s.ROUGE_L, r.ROUGE_L);
    close(s.CIDEr, r.CIDEr);
    // METEOR without the paraphrase table: the jar was run with the same modules (exact, stem, synonym).
    close(s.METEOR, r.METEOR);
    s.segments.ROUGE_L.forEach((v, i) => close(v, r.segments.ROUGE_L[i]));
    s.segments.CIDEr.forEach((v, i) => close(v, r.segments.CIDEr[i]));
    s.segments.METEOR.forEach((v, i) => close(v, r.segments.METEOR[i]));
  });
});

describe('E2E inputs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lorats-e2e-'));
  const file = (name: string, content: string | Buffer) => {
    const p = join(dir, name);
    writeFileSync(p, content);
    return p;
  };
  it('groups references by blank lines and takes a file without blank lines as one reference each', () => {
    expect(loadE2EData(file('r.txt', 'a b\nc d\n\ne f\n'), file('h.txt', 'x\ny\n')).references).toEqual([['a b', 'c d'], ['e f']]);
    expect(loadE2EData(file('r1.txt', 'a b\nc d\n'), file('h1.txt', 'x\ny\n')).references).toEqual([['a b'], ['c d']]);
  });
  it('reads TSV/CSV references by header, grouping consecutive identical sources', () => {
    const tsv = file('refs.tsv', 'mr\tref\nm1\ta\nm1\tb\nm2\tc\n');
    expect(loadE2EData(tsv, file('h2.txt', 'x\ny\n')).references).toEqual([['a', 'b'], ['c']]);
    expect(parseCsvLine('"a, b",c,"say ""hi"""', ',')).toEqual(['a, b', 'c', 'say "hi"']);
  });
  it('names the files when counts differ, and rejects tables without headers', () => {
    expect(() => loadE2EData(file('r2.txt', 'a\n\nb\n'), file('h3.txt', 'x\n'))).toThrow(/h3\.txt has 1 outputs but .*r2\.txt has 2 reference groups/);
    expect(() => loadE2EData(file('bad.tsv', 'a\tb\nc\td\n'), file('h4.txt', 'x\n'))).toThrow(/bad\.tsv: line 1: need a header/);
  });
  it('names the file and line of invalid UTF-8', () => {
    expect(() => loadE2EData(file('r3.txt', 'ok\n'), file('h5.txt', Buffer.from([0x6f, 0x0a, 0xc3, 0x28, 0x0a])))).toThrow(/h5\.txt: line 2: invalid UTF-8/);
  });
});
