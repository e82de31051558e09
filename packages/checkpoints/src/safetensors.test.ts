import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rng, scratch } from '../test/helpers.js';
import { writeFileAtomic } from './atomic-write.js';
import { allocate, DTYPES, type DType, type HostTensor } from './dtype.js';
import { CorruptCheckpointError, InvalidTensorError, MissingEntryError, TruncatedCheckpointError, UnsupportedDTypeError } from './errors.js';
import { SafetensorsReader, serializeSafetensors, writeSafetensors } from './safetensors.js';
import { bufferSource, type ByteSource } from './source.js';

function sample(dtype: DType, shape: number[], seed: number): HostTensor {
  const r = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const data = allocate(dtype, n);
  for (let i = 0; i < n; i++) {
    const x = r();
    if (data instanceof BigInt64Array) data[i] = BigInt(Math.floor((x - 0.5) * 2 ** 52)) * 1024n;
    else if (dtype === 'bool') data[i] = x > 0.5 ? 1 : 0;
    else if (data instanceof Float32Array || data instanceof Float64Array) data[i] = (x - 0.5) * 1e3;
    else (data as Uint8Array)[i] = Math.floor(x * 2 ** 16) - (dtype.startsWith('int') ? 2 ** 15 : 0);
  }
  return { dtype, shape, data };
}

const ALL = new Map(DTYPES.map((d, i) => [`t.${d}`, sample(d, i % 3 === 0 ? [2, 3, 2] : i % 3 === 1 ? [5] : [], i + 1)]));

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await scratch()));
afterAll(() => cleanup());

describe('safetensors writer', () => {
  it('lays out bytes exactly as the safetensors library does (its own serialization tests)', () => {
    // safetensors/src/tensor.rs test_serialization: {"attn.0": F32 [1,2,3] = 0..5}
    const attn = { dtype: 'float32' as const, shape: [1, 2, 3], data: new Float32Array([0, 1, 2, 3, 4, 5]) };
    expect([...serializeSafetensors([['attn.0', attn]])]).toEqual([
      64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100, 116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34,
      44, 34, 115, 104, 97, 112, 101, 34, 58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115, 101, 116,
      115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
    ]);
    // test_empty: no tensors, then metadata {"framework": "pt"}
    expect([...serializeSafetensors([])]).toEqual([8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]);
    expect([...serializeSafetensors([], { metadata: { framework: 'pt' } })]).toEqual([
      40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95, 95, 34, 58, 123, 34, 102, 114, 97, 109, 101,
      119, 111, 114, 107, 34, 58, 34, 112, 116, 34, 125, 125, 32, 32, 32, 32, 32,
    ]);
  });

  it('orders tensors by dtype width, then name, so every tensor is aligned', async () => {
    const reader = await SafetensorsReader.fromBytes(serializeSafetensors(ALL));
    const order = reader.keys();
    expect(order.slice(0, 3)).toEqual(['t.int64', 't.float64', 't.float32']);
    expect(order.at(-1)).toBe('t.bool');
    for (const key of order) {
      const { offset } = reader.byteRange(key);
      expect(offset % (key.includes('64') ? 8 : key.includes('32') ? 4 : key.includes('16') ? 2 : 1)).toBe(0);
    }
  });

  it('refuses bad tensors before writing anything', async () => {
    const path = join(dir, 'bad.safetensors');
    const bad = { dtype: 'float32' as const, shape: [2, 2], data: new Float32Array(3) };
    await expect(writeSafetensors(path, [['w', bad]])).rejects.toThrow(InvalidTensorError);
    await expect(writeSafetensors(path, [['w', { dtype: 'int32', shape: [1], data: new Float32Array(1) }]])).rejects.toThrow(/does not match/);
    await expect(writeSafetensors(path, [['__metadata__', ALL.get('t.float32')!]])).rejects.toThrow(InvalidTensorError);
    expect((await readdir(dir)).filter((f) => f.includes('bad'))).toEqual([]);
  });
});

describe('safetensors reader', () => {
  it('round-trips every dtype bit-exact through a file, with metadata', async () => {
    const path = join(dir, 'all.safetensors');
    await writeSafetensors(path, ALL, { metadata: { format: 'pt', note: 'ünïcode "quoted"' } });
    const reader = await SafetensorsReader.open(path);
    try {
      expect(reader.metadata).toEqual({ format: 'pt', note: 'ünïcode "quoted"' });
      expect(new Set(reader.keys())).toEqual(new Set(ALL.keys()));
      for (const [key, t] of ALL) {
        const back = await reader.read(key, { raw: true });
        expect(back.dtype).toBe(t.dtype);
        expect(back.shape).toEqual(t.shape);
        expect(back.data).toEqual(t.data);
      }
      // default read decodes half types to float32
      expect((await reader.read('t.float16')).dtype).toBe('float32');
      expect((await reader.read('t.bfloat16')).data).toBeInstanceOf(Float32Array);
    } finally {
      await reader.close();
    }
  });

  it('reads only the header on open and only the asked tensor’s bytes on read', async () => {
    const bytes = serializeSafetensors(ALL);
    const reads: [number, number][] = [];
    const inner = bufferSource(bytes, 'counted');
    const counted: ByteSource = { ...inner, read: (o, l, into) => (reads.push([o, l]), inner.read(o, l, into)) };
    const reader = await SafetensorsReader.fromSource(counted);
    const headerEnd = 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(reads.every(([o, l]) => o + l <= headerEnd)).toBe(true);
    reads.length = 0;
    await reader.read('t.float32');
    const { offset, byteLength } = reader.byteRange('t.float32');
    expect(reads).toEqual([[offset, byteLength]]);
  });

  it('throws MissingEntryError naming the file and key for an unknown tensor', async () => {
    const reader = await SafetensorsReader.fromBytes(serializeSafetensors(ALL), 'x.safetensors');
    const err = await reader.read('nope').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MissingEntryError);
    expect((err as MissingEntryError).file).toBe('x.safetensors');
    expect((err as MissingEntryError).key).toBe('nope');
  });
});

function withHeader(header: string, dataBytes = 0, lengthOverride?: bigint): Uint8Array {
  const json = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + json.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, lengthOverride ?? BigInt(json.length), true);
  out.set(json, 8);
  return out;
}

describe('safetensors bad input', () => {
  const open = (b: Uint8Array) => SafetensorsReader.fromBytes(b, 'bad.safetensors');
  it.each([
    ['a file shorter than 8 bytes', new Uint8Array(5), TruncatedCheckpointError, /too short/],
    ['a header length over the 100 MB limit', withHeader('{}', 0, 200_000_000n), CorruptCheckpointError, /limit/],
    ['a header larger than the file', withHeader('{}', 0, 64n), TruncatedCheckpointError, /larger than the file/],
    ['a header that is not JSON', withHeader('{"a":'), CorruptCheckpointError, /not valid JSON/],
    ['a header that does not start with {', withHeader('[1,2]'), CorruptCheckpointError, /does not start/],
    ['an unknown dtype', withHeader('{"w":{"dtype":"X99","shape":[1],"data_offsets":[0,4]}}', 4), UnsupportedDTypeError, /X99/],
    ['a dtype this package does not hold (U64, F8)', withHeader('{"w":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}}', 1), UnsupportedDTypeError, /F8_E4M3/],
    ['offsets past the end of the data', withHeader('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', 4), TruncatedCheckpointError, /past the end/],
    ['offsets that disagree with the shape', withHeader('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}', 8), CorruptCheckpointError, /needs 8/],
    ['offsets that end before they begin', withHeader('{"w":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}}', 8), CorruptCheckpointError, /end before/],
    ['a negative shape', withHeader('{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}', 8), CorruptCheckpointError, /shape/],
    ['a huge shape', withHeader('{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}', 8), CorruptCheckpointError, /more bytes/],
    ['non-string metadata', withHeader('{"__metadata__":{"a":1}}'), CorruptCheckpointError, /not a string/],
  ])('%s → a typed error naming the file', async (_what, bytes, type, message) => {
    const err = await open(bytes).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(type);
    expect((err as Error).message).toMatch(message);
    expect((err as CorruptCheckpointError).file).toBe('bad.safetensors');
  });

  it('names the tensor key in per-tensor errors', async () => {
    const err = (await open(withHeader('{"layer.w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', 4)).catch((e: unknown) => e)) as TruncatedCheckpointError;
    expect(err.key).toBe('layer.w');
    expect(err.message).toContain('bad.safetensors (layer.w)');
  });
});

describe('atomic writes', () => {
  it('leaves the old file and no temp file when a write fails midway', async () => {
    const path = join(dir, 'keep.safetensors');
    await writeFile(path, 'old');
    await expect(
      writeFileAtomic(path, async (sink) => {
        await sink.write(new Uint8Array(3 << 20));
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(await readFile(path, 'utf8')).toBe('old');
    expect((await readdir(dir)).filter((f) => f.startsWith('.keep'))).toEqual([]);
  });
});

describe('format detection', () => {
  it('a safetensors header of 640 bytes (length bytes 80 02, like a pickle) is still safetensors', async () => {
    const { openCheckpointBytes } = await import('./checkpoint.js');
    const name = 'x'.repeat(640 - 53); // the JSON around the name is 53 bytes
    const bytes = serializeSafetensors([[name, { dtype: 'float32', shape: [1], data: new Float32Array([1]) }]]);
    expect([bytes[0], bytes[1]]).toEqual([0x80, 0x02]);
    const reader = await openCheckpointBytes(bytes);
    expect(reader.format).toBe('safetensors');
    expect((await reader.read(name)).data).toEqual(new Float32Array([1]));
  });
});
