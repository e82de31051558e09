import { execFileSync, spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratch } from '../test/helpers.js';
import { MemorySink } from './atomic-write.js';
import { CorruptCheckpointError } from './errors.js';
import { bufferSource } from './source.js';
import { crc32, ZipReader, ZipWriter } from './zip.js';

async function build(entries: [string, Uint8Array][], forceZip64 = false): Promise<Uint8Array> {
  const sink = new MemorySink();
  const zip = new ZipWriter(sink, { forceZip64 });
  for (const [name, data] of entries) await zip.add(name, data, { align: 64 });
  await zip.finish();
  return sink.bytes();
}

const ENTRIES: [string, Uint8Array][] = [
  ['a/data.pkl', new TextEncoder().encode('pickle bytes')],
  ['a/data/0', new Uint8Array(1000).map((_, i) => i * 7)],
  ['a/ünï/empty', new Uint8Array(0)],
];

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await scratch()));
afterAll(() => cleanup());

describe('zip', () => {
  it('computes CRC-32 like zlib', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it.each([false, true])('writes and reads back stored, aligned entries (zip64 forced: %s)', async (zip64) => {
    const bytes = await build(ENTRIES, zip64);
    const zip = await ZipReader.open(bufferSource(bytes));
    expect([...zip.entries.keys()]).toEqual(ENTRIES.map(([n]) => n));
    for (const [name, data] of ENTRIES) {
      const entry = zip.entries.get(name)!;
      expect(await zip.read(entry)).toEqual(data);
      expect((await zip.dataOffset(entry)) % 64).toBe(0);
    }
    expect(await zip.read(zip.entries.get('a/data/0')!, 10, 5)).toEqual(ENTRIES[1][1].subarray(10, 15));
  });

  it('detects a corrupted entry by its CRC', async () => {
    const bytes = await build(ENTRIES);
    const zip = await ZipReader.open(bufferSource(bytes));
    const entry = zip.entries.get('a/data/0')!;
    bytes[(await zip.dataOffset(entry)) + 3] ^= 0xff;
    await expect(zip.read(entry)).rejects.toThrow(CorruptCheckpointError);
  });
});

const python = spawnSync('python3', ['-c', 'import zipfile'], { encoding: 'utf8' }).status === 0;

describe.skipIf(!python)('zip files this package writes open in Python’s zipfile', () => {
  it.each([false, true])('zipfile.testzip() passes and the contents match (zip64 forced: %s)', async (zip64) => {
    const path = join(dir, `t${zip64 ? 64 : 32}.zip`);
    await writeFile(path, await build(ENTRIES, zip64));
    const out = execFileSync('python3', ['-c', 'import sys, zipfile, json; z = zipfile.ZipFile(sys.argv[1]); print(json.dumps([z.testzip(), [[i.filename, list(z.read(i))[:5], i.file_size] for i in z.infolist()]]))', path], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual([null, ENTRIES.map(([n, d]) => [n, [...d.subarray(0, 5)], d.length])]);
  });
});
