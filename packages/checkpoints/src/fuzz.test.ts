// Deterministic fuzzing: truncations, bit flips and byte overwrites of valid files must either parse or throw one
// of this package's typed errors (never a TypeError/RangeError, never a hang).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, rng } from '../test/helpers.js';
import { openCheckpointBytes } from './checkpoint.js';
import { CheckpointError } from './errors.js';
import { serializeSafetensors } from './safetensors.js';

const TORCH = join(FIXTURES, 'torch');

async function parseAll(bytes: Uint8Array): Promise<'ok' | 'error'> {
  try {
    const reader = await openCheckpointBytes(bytes, 'fuzzed');
    for (const key of reader.keys()) await reader.read(key, { raw: key.length % 2 === 0 });
    await reader.close();
    return 'ok';
  } catch (e) {
    if (e instanceof CheckpointError && e.file === 'fuzzed') return 'error';
    throw new Error(`untyped failure: ${(e as Error)?.stack ?? String(e)}`);
  }
}

function mutations(valid: Uint8Array, seed: number, count: number): Uint8Array[] {
  const r = rng(seed);
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const kind = i % 4;
    if (kind === 0) {
      out.push(valid.slice(0, Math.floor(r() * valid.length)));
      continue;
    }
    const b = valid.slice();
    // bias mutations toward the structure at both ends (headers, pickles, zip directory)
    const pick = () => {
      const x = r();
      const at = x < 0.4 ? Math.floor(r() * Math.min(600, b.length)) : x < 0.8 ? b.length - 1 - Math.floor(r() * Math.min(600, b.length)) : Math.floor(r() * b.length);
      return Math.max(0, Math.min(b.length - 1, at));
    };
    const n = 1 + Math.floor(r() * 4);
    for (let j = 0; j < n; j++) {
      const at = pick();
      if (kind === 1) b[at] ^= 1 << Math.floor(r() * 8);
      else if (kind === 2) b[at] = Math.floor(r() * 256);
      else b[at] = [0x00, 0xff, 0x7f, 0x80, 0x28, 0x2e, 0x71, 0x68, 0x7b, 0x22][Math.floor(r() * 10)];
    }
    out.push(b);
  }
  return out;
}

const f32 = new Float32Array(24).map((_, i) => i / 3);
const safetensors = serializeSafetensors(
  [
    ['a.weight', { dtype: 'float32', shape: [4, 6], data: f32 }],
    ['b.half', { dtype: 'float16', shape: [3], data: new Uint16Array([0x3c00, 0x4000, 0x7bff]) }],
    ['c.ids', { dtype: 'int64', shape: [2], data: new BigInt64Array([1n, -2n]) }],
  ],
  { metadata: { format: 'pt' } },
);

describe('fuzzed and truncated inputs', () => {
  const cases: [string, () => Promise<Uint8Array>][] = [
    ['safetensors', async () => safetensors],
    ['torch zip (views, strides)', () => readFile(join(TORCH, 'zip_views.pt'))],
    ['torch zip (deflated)', () => readFile(join(TORCH, 'zip_deflated.pt'))],
    ['torch zip (nested)', () => readFile(join(TORCH, 'zip_nested.pt'))],
    ['torch legacy', () => readFile(join(TORCH, 'legacy_views.pt'))],
    ['torch legacy (dtypes)', () => readFile(join(TORCH, 'legacy_dtypes.pt'))],
  ];
  it.each(cases)('%s: 400 mutations each parse or throw a typed error', async (_name, load) => {
    const valid = new Uint8Array(await load());
    expect(await parseAll(valid)).toBe('ok');
    const results = { ok: 0, error: 0 };
    for (const bytes of mutations(valid, valid.length, 400)) results[await parseAll(bytes)]++;
    expect(results.ok + results.error).toBe(400);
    expect(results.error).toBeGreaterThan(50);
  });

  it('every prefix of a small safetensors file is handled', async () => {
    for (let n = 0; n < safetensors.length; n++) expect(await parseAll(safetensors.slice(0, n))).toBe('error');
  });
});
