import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../cli.js';
import { sacrebleu } from './sacrebleu.js';

// Golden command lines and their exact stdout from sacrebleu 2.6.0 (packages/metrics/fixtures/generate.py).
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'metrics', 'fixtures');
const golden = JSON.parse(readFileSync(join(FIXTURES, 'golden', 'sacrebleu.json'), 'utf8')) as {
  cli: { args: string[]; stdout: string; exit: number }[];
};

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['sacrebleu', ...argv], { stdout: (t) => out.push(t), stderr: (t) => err.push(t) }, [sacrebleu]);
  return { code, out: out.join(''), err: err.join('') };
}

const abs = (a: string) => (a.startsWith('corpora/') && !isAbsolute(a) ? join(FIXTURES, a) : a);

describe('lorats sacrebleu', () => {
  it.each(golden.cli.map((c) => [c.args.join(' '), c] as const))('prints what sacrebleu prints: %s', async (_, c) => {
    const r = await run(c.args.map(abs));
    expect(r.err).toBe('');
    expect(r.code).toBe(c.exit);
    expect(r.out).toBe(c.stdout);
  });

  const dir = mkdtempSync(join(tmpdir(), 'lorats-sacrebleu-'));
  const file = (name: string, content: string | Buffer) => {
    const p = join(dir, name);
    writeFileSync(p, content);
    return p;
  };

  it('names both files when line counts differ', async () => {
    const r = await run([file('ref.txt', 'a b\nc d\n'), '-i', file('hyp.txt', 'a b\n')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/ref\.txt has 2 lines but .*hyp\.txt has 1/);
  });
  it('rejects an empty system output', async () => {
    const r = await run([file('ref1.txt', 'a\n'), '-i', file('empty.txt', '')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/empty\.txt: empty file/);
  });
  it('names the file and line of invalid UTF-8', async () => {
    const r = await run([file('bad.txt', Buffer.from([0x61, 0x0a, 0x62, 0xff, 0x0a])), '-i', file('h2.txt', 'a\nb\n')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/bad\.txt: line 2: invalid UTF-8/);
  });
  it('rejects unknown metrics and missing inputs as usage errors', async () => {
    expect((await run([file('r.txt', 'a\n'), '-i', file('h.txt', 'a\n'), '-m', 'meteor'])).code).toBe(2);
    expect((await run(['-i', file('h3.txt', 'a\n')])).code).toBe(2);
    expect((await run([file('r2.txt', 'a\n')])).code).toBe(2);
  });
  it('splits one tab-separated reference file with --num-refs', async () => {
    const two = await run([file('refs.tsv', 'a b c\ta b d\n'), '-i', file('h4.txt', 'a b d\n'), '-nr', '2', '-b', '-w', '2']);
    const one = await run([file('r3.txt', 'a b c\n'), file('r4.txt', 'a b d\n'), '-i', file('h5.txt', 'a b d\n'), '-b', '-w', '2']);
    expect(two.out).toBe(one.out);
    const bad = await run([file('refs2.tsv', 'a b c\n'), '-i', file('h6.txt', 'a\n'), '-nr', '2']);
    expect(bad.err).toMatch(/refs2\.tsv: line 1: expected 2 tab-separated references, found 1/);
  });
});
