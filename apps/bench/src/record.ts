// Benchmark results as JSON records under results/bench/ (written to a temp file, then renamed).
import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Default output: results/bench/<name>.json in the repo (LORATS_BENCH_OUT overrides the folder). */
export function resultPath(name: string, out?: string): string {
  if (out) return resolve(out);
  return join(process.env.LORATS_BENCH_OUT ?? join(REPO, 'results', 'bench'), `${name}.json`);
}

/**
 * The commit the benchmark ran from: LORATS_GIT_COMMIT when set (the GPU machine runs esbuild bundles outside any git
 * checkout; packages/tfjs-backend-torch/scripts/device-bundle.mjs writes it into .device/env.sh), else
 * `git rev-parse --short HEAD` in the repo, else null.
 */
export function gitSha(env: NodeJS.ProcessEnv = process.env): string | null {
  const fromEnv = env.LORATS_GIT_COMMIT?.trim();
  if (fromEnv) return fromEnv;
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/** Writes { benchmark, date, git, node, ...record } atomically and returns the path. */
export function writeRecord(name: string, record: Record<string, unknown>, out?: string): string {
  const path = resultPath(name, out);
  mkdirSync(dirname(path), { recursive: true });
  const body = { benchmark: name, date: new Date().toISOString(), git: gitSha(), node: process.version, ...record };
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(body, null, 2)}\n`);
  renameSync(tmp, path);
  return path;
}

/** Median of a list of numbers. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
