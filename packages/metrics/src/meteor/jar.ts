// Runs a real METEOR 1.5 jar (with its paraphrase table) when the user has one and Java, in plaintext mode.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface MeteorJarOptions {
  /** Path to meteor-1.5.jar (its `data/paraphrase-en.gz` must sit beside it, as the release ships it). */
  jar: string;
  /** Java executable (default `java`). */
  java?: string;
  /** Normalization flag passed to the jar (default `-norm`, as e2e-metrics and GenerationEval run it). */
  normalize?: '-norm' | '-lower' | '';
  /** Extra arguments, e.g. `['-m', 'exact stem synonym', '-w', '1.0 0.6 0.8']`. */
  extraArgs?: readonly string[];
}

/**
 * Scores with the jar: `java -Xmx2G -jar meteor-1.5.jar hyp refs -l en -norm -r N`. Segments with fewer than
 * N references are padded with their first reference, which leaves METEOR's best-reference choice unchanged.
 */
export function runMeteorJar(
  hypotheses: readonly string[],
  references: readonly (readonly string[])[],
  opts: MeteorJarOptions,
): { score: number; segments: number[] } {
  if (!existsSync(opts.jar)) throw new Error(`${opts.jar}: METEOR jar not found`);
  if (hypotheses.length !== references.length) throw new Error(`${hypotheses.length} hypotheses but ${references.length} reference groups`);
  const lines = [...hypotheses, ...references.flat()];
  const bad = lines.findIndex((l) => /[\r\n]/.test(l));
  if (bad >= 0) throw new Error(`METEOR's plaintext input cannot hold line breaks (segment text ${JSON.stringify(lines[bad])})`);
  const nrefs = Math.max(1, ...references.map((r) => r.length));
  references.forEach((r, i) => {
    if (r.length === 0) throw new Error(`segment ${i + 1} has no reference`);
  });
  const dir = mkdtempSync(join(tmpdir(), 'lorats-meteor-'));
  try {
    const hyp = join(dir, 'hyp.txt');
    const ref = join(dir, 'ref.txt');
    writeFileSync(hyp, hypotheses.map((h) => `${h}\n`).join(''));
    writeFileSync(ref, references.map((r) => Array.from({ length: nrefs }, (_, k) => `${r[k] ?? r[0]}\n`).join('')).join(''));
    const norm = opts.normalize ?? '-norm';
    const args = ['-Xmx2G', '-jar', opts.jar, hyp, ref, '-l', 'en', ...(norm ? [norm] : []), '-r', String(nrefs), ...(opts.extraArgs ?? [])];
    const run = spawnSync(opts.java ?? 'java', args, { encoding: 'utf8', maxBuffer: 1 << 28 });
    if (run.error) throw new Error(`cannot run ${opts.java ?? 'java'}: ${run.error.message} (METEOR's jar needs Java)`);
    const final = /Final score:\s+(\S+)/.exec(run.stdout);
    if (run.status !== 0 || !final) {
      throw new Error(`METEOR jar failed (exit ${run.status}): ${(run.stderr || run.stdout).trim().split('\n').slice(-3).join(' | ')}`);
    }
    const segments = [...run.stdout.matchAll(/^Segment \d+ score:\s+(\S+)$/gm)].map((m) => Number(m[1]));
    return { score: Number(final[1]), segments };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
