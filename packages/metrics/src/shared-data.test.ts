// Parity on real data when ../shared/data is present: subsets of E2E dev and DART dev, scored by the reference
// tools into fixtures/golden/shared.json (only the numbers are committed, never the data).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Bleu } from './bleu.js';
import { Chrf } from './chrf.js';
import { scoreE2E } from './e2e.js';
import { mtevalV13a } from './mteval-v13a.js';
import { Ter } from './ter.js';
import { loraDecodeTokenize, padReferences, scoreWebNLG } from './webnlg.js';
import { golden, HAS_SHARED_DATA, SHARED_DATA } from '../test/fixtures.js';

interface Shared {
  e2eSacrebleu: { BLEU: number; 'chrF++': number; TER: number };
  e2e: { mrs: number; python: { BLEU: number; NIST: number }; perl: { BLEU: number; NIST: number }; METEOR: number; ROUGE_L: number; CIDEr: number };
  dart: { entries: number; BLEU: number; METEOR: number; TER: number };
}
const want = golden<Shared>('shared');
const HAS_WORDNET = existsSync('/usr/share/wordnet/index.noun');
const close = (got: number, exp: number) => expect(Math.abs(got - exp) * 100).toBeLessThanOrEqual(1e-9);

/** E2E dev grouped by MR (first appearance); the first reference is the output, the rest the references. */
function e2eDev(mrs: number): { hyps: string[]; refs: string[][] } {
  const groups = new Map<string, string[]>();
  for (const line of readFileSync(join(SHARED_DATA, 'e2e', 'valid.txt'), 'utf8').split('\n')) {
    if (!line) continue;
    const cut = line.indexOf('||');
    const mr = line.slice(0, cut);
    groups.set(mr, [...(groups.get(mr) ?? []), line.slice(cut + 2).trim()]);
  }
  const items = [...groups.values()].slice(0, mrs);
  return { hyps: items.map((t) => t[0]), refs: items.map((t) => (t.length > 1 ? t.slice(1) : t.slice(0, 1))) };
}

describe.skipIf(!HAS_SHARED_DATA)('parity on shared E2E and DART dev data', () => {
  it(`sacrebleu BLEU, chrF++ and TER on E2E dev (${want.e2e.mrs} MRs)`, () => {
    const { hyps, refs } = e2eDev(want.e2e.mrs);
    const n = Math.max(...refs.map((r) => r.length));
    const streams = Array.from({ length: n }, (_, k) => refs.map((r) => r[k] ?? null));
    close(new Bleu().corpusScore(hyps, streams).score / 100, want.e2eSacrebleu.BLEU / 100);
    close(new Chrf({ wordOrder: 2 }).corpusScore(hyps, streams).score / 100, want.e2eSacrebleu['chrF++'] / 100);
    close(new Ter().corpusScore(hyps, streams).score / 100, want.e2eSacrebleu.TER / 100);
  });
  it.skipIf(!HAS_WORDNET)(`measure_scores.py on E2E dev (${want.e2e.mrs} MRs)`, () => {
    const { hyps, refs } = e2eDev(want.e2e.mrs);
    const s = scoreE2E({ sources: hyps.map(() => ''), references: refs, outputs: hyps });
    close(s.BLEU, want.e2e.python.BLEU);
    close(s.NIST, want.e2e.python.NIST);
    close(s.METEOR, want.e2e.METEOR);
    close(s.ROUGE_L, want.e2e.ROUGE_L);
    close(s.CIDEr, want.e2e.CIDEr);
    const perl = mtevalV13a(refs, hyps);
    close(perl.bleu, want.e2e.perl.BLEU);
    close(perl.nist, want.e2e.perl.NIST);
  });
  it.skipIf(!HAS_WORDNET)(`GenerationEval on DART dev (${want.dart.entries} entries with several annotations)`, () => {
    const dev = JSON.parse(readFileSync(join(SHARED_DATA, 'dart', 'dart-v1.1.1-full-dev.json'), 'utf8')) as { annotations: { text: string }[] }[];
    const entries = dev.filter((e) => e.annotations.length >= 2).slice(0, want.dart.entries);
    const texts = entries.map((e) => e.annotations.map((a) => loraDecodeTokenize(a.text.trim())));
    const hyps = texts.map((t) => t[t.length - 1]);
    const refFiles = padReferences(texts.map((t) => t.slice(0, -1)));
    const s = scoreWebNLG(hyps, refFiles);
    expect(Math.abs(s.BLEU - want.dart.BLEU)).toBeLessThanOrEqual(1e-9);
    expect(Math.abs(s.METEOR - want.dart.METEOR)).toBeLessThanOrEqual(1e-12);
    close(s.TER, want.dart.TER);
  });
});
