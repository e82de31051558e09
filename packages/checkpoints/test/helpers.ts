// Shared by this package's tests: fixture paths, hashing, scratch folders. Not exported from index.ts.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toBytes, type HostTensor } from '../src/dtype.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
export const SHARED_DATA = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'shared', 'data');

/** sha256 of a tensor's row-major little-endian bytes (what the fixture scripts record). */
export function sha256(t: HostTensor): string {
  return createHash('sha256').update(toBytes(t.data)).digest('hex');
}

export interface ExpectedTensor {
  dtype: string;
  shape: number[];
  sum: number;
  sha256: string;
}

export async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, 'utf8')) as T;
}

/** A fresh temporary folder, removed by the returned cleanup. */
export async function scratch(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'lorats-ckpt-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A deterministic pseudo-random generator (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
