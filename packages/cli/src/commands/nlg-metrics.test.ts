import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../cli.js';
import { e2eMetrics } from './e2e-metrics.js';
import { webnlgEval } from './webnlg-eval.js';

// Goldens from the reference tools (packages/metrics/fixtures/generate.py).
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'metrics', 'fixtures');
const e2e = JSON.parse(readFileSync(join(FIXTURES, 'golden', 'e2e.json'), 'utf8')) as {
  results: { name: string; python: Record<string, number>; perl: Record<string, number>; METEOR: number; ROUGE_L: number; CIDEr: number }[];
};
const webnlg = JSON.parse(readFileSync(join(FIXTURES, 'golden', 'webnlg.json'), 'utf8')) as {
  results: { name: string; trailingNewline: boolean; BLEU: number; METEOR: number; TER: number }[];
};
const HAS_WORDNET = existsSync('/usr/share/wordnet/index.noun');

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { stdout: (t) => out.push(t), stderr: (t) => err.push(t) }, [e2eMetrics, webnlgEval]);
  return { code, out: out.join(''), err: err.join('') };
}
const corpora = (...p: string[]) => join(FIXTURES, 'corpora', ...p);

describe.skipIf(!HAS_WORDNET)('lorats e2e-metrics and webnlg-eval', () => {
  it('prints measure_scores.py values as JSON fractions, in both BLEU/NIST variants', async () => {
    const want = e2e.results.find((r) => r.name === 'e2e')!;
    for (const variant of ['python', 'perl'] as const) {
      const r = await run(['e2e-metrics', corpora('e2e', 'refs-grouped.txt'), corpora('e2e', 'hyp.txt'), '--nist', variant, '-f', 'json']);
      expect(r.code).toBe(0);
      const got = JSON.parse(r.out) as Record<string, number>;
      expect(Object.keys(got)).toEqual(['BLEU', 'NIST', 'METEOR', 'ROUGE_L', 'CIDEr']);
      expect(Math.abs(got.BLEU - want[variant].BLEU)).toBeLessThan(1e-11);
      expect(Math.abs(got.NIST - want[variant].NIST)).toBeLessThan(1e-11);
      expect(Math.abs(got.CIDEr - want.CIDEr)).toBeLessThan(1e-11);
      expect(r.err).toMatch(/no paraphrase table/);
    }
  });
  it("prints eval.py's rounded table and keeps the trailing-newline artefact behind a flag", async () => {
    const want = webnlg.results.find((r) => r.name === 'dart' && r.trailingNewline)!;
    const clean = webnlg.results.find((r) => r.name === 'dart' && !r.trailingNewline)!;
    const args = ['webnlg-eval', '-R', corpora('webnlg', 'dart-newline', 'reference'), '-H', corpora('webnlg', 'dart-newline', 'hypothesis')];
    const text = await run([...args, '--trailing-empty-line']);
    expect(text.out).toBe(`BLEU: ${want.BLEU.toFixed(2)}\nMETEOR: ${Math.round(clean.METEOR * 100) / 100}\nTER: ${Math.round(want.TER * 100) / 100}\n`);
    const json = JSON.parse((await run([...args, '-f', 'json', '-m', 'bleu,ter'])).out) as Record<string, number>;
    expect(Math.abs(json.TER - clean.TER)).toBeLessThan(1e-11);
    expect(Object.keys(json)).toEqual(['BLEU', 'TER']);
  });
});

describe('lorats e2e-metrics and webnlg-eval errors', () => {
  it('rejects wrong arguments', async () => {
    expect((await run(['e2e-metrics', 'only-one-file'])).code).toBe(2);
    expect((await run(['webnlg-eval', '-R', 'x'])).code).toBe(2);
    expect((await run(['webnlg-eval', '-R', 'x', '-H', 'y', '-m', 'bleurt'])).code).toBe(2);
  });
  it('names missing files', async () => {
    const r = await run(['e2e-metrics', '/nonexistent/refs.txt', corpora('e2e', 'hyp.txt'), '--nist', 'perl']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/\/nonexistent\/refs\.txt: cannot read/);
    const w = await run(['webnlg-eval', '-R', '/nonexistent/reference', '-H', corpora('e2e', 'hyp.txt')]);
    expect(w.err).toMatch(/reference0: reference file not found/);
  });
});
