import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, readJson, sha256, SHARED_DATA, type ExpectedTensor } from '../test/helpers.js';
import { loadCheckpoint, openCheckpoint, openCheckpointBytes } from './checkpoint.js';
import { CorruptCheckpointError, MissingEntryError, TruncatedCheckpointError, UnsafePickleError, UnsupportedFormatError } from './errors.js';
import { serializeSafetensors } from './safetensors.js';
import { tensorSum } from './tensor.js';
import { TorchReader } from './torch-reader.js';
import { bufferSource } from './source.js';
import { openTorchZip, serializeTorch } from './torch-zip.js';
import { ZipWriter } from './zip.js';
import { MemorySink } from './atomic-write.js';

interface ExpectedFile {
  format: string;
  tensors?: Record<string, ExpectedTensor>;
  values?: Record<string, unknown>;
  forbidden?: string;
}

const TORCH = join(FIXTURES, 'torch');
const expected = await readJson<{ files: Record<string, ExpectedFile> }>(join(TORCH, 'expected.json'));
const readable = Object.entries(expected.files).filter(([, f]) => f.tensors);

describe('PyTorch files written by torch.save (fixtures/make_torch_fixtures.py)', () => {
  it.each(readable)('%s: keys, dtypes, shapes and bytes match PyTorch', async (name, want) => {
    const reader = await openCheckpoint(join(TORCH, name));
    try {
      expect(reader.format).toBe(want.format);
      expect(reader.keys()).toEqual(Object.keys(want.tensors!).sort((a, b) => reader.keys().indexOf(a) - reader.keys().indexOf(b)));
      expect(new Set(reader.keys())).toEqual(new Set(Object.keys(want.tensors!)));
      for (const [key, w] of Object.entries(want.tensors!)) {
        expect(reader.info(key)).toEqual({ dtype: w.dtype, shape: w.shape });
        const raw = await reader.read(key, { raw: true });
        expect({ key, dtype: raw.dtype, shape: raw.shape, sha256: sha256(raw) }).toEqual({ key, dtype: w.dtype, shape: w.shape, sha256: w.sha256 });
        const decoded = await reader.read(key);
        expect(tensorSum(decoded)).toBeCloseTo(w.sum, Math.abs(w.sum) > 1e6 ? -2 : 5);
      }
    } finally {
      await reader.close();
    }
  });

  it('decodes float16 and bfloat16 to float32 by default', async () => {
    const reader = await openCheckpoint(join(TORCH, 'zip_dtypes.pt'));
    const f16 = await reader.read('f16');
    const f32 = await reader.read('f32');
    expect(f16.dtype).toBe('float32');
    expect(f16.data).toBeInstanceOf(Float32Array);
    for (let i = 0; i < f32.data.length; i++) expect(Math.abs((f16.data[i] as number) - (f32.data[i] as number))).toBeLessThan(2e-3);
    expect((await reader.read('bf16')).dtype).toBe('float32');
    await reader.close();
  });

  it('keeps non-tensor values of nested dicts', async () => {
    const reader = await openCheckpoint(join(TORCH, 'zip_nested.pt'));
    expect(reader).toBeInstanceOf(TorchReader);
    const torch = reader as TorchReader;
    expect(Object.fromEntries(torch.values)).toEqual(expected.files['zip_nested.pt'].values);
    expect(reader.keys()[0]).toBe('model_state_dict.module.layer.0.weight');
    await reader.close();
  });

  it('reads tensors saved on cuda:0 to host memory and reports where they came from', async () => {
    for (const name of ['zip_cuda.pt', 'legacy_cuda.pt']) {
      const reader = (await openCheckpoint(join(TORCH, name))) as TorchReader;
      expect(reader.layout('a').location).toBe('cuda:0');
      await reader.close();
    }
  });

  it('shares one storage between views (zip_views.pt: window, grid and base use one record)', async () => {
    const reader = (await openCheckpoint(join(TORCH, 'zip_views.pt'))) as TorchReader;
    expect(reader.layout('window').storage).toBe(reader.layout('base').storage);
    expect(reader.layout('window').offset).toBe(10);
    expect(reader.layout('transposed').stride).toEqual([1, 4]);
    await reader.close();
  });

  it.each(Object.entries(expected.files).filter(([, f]) => f.forbidden))('%s: refuses the forbidden global and names it', async (name, want) => {
    const err = await openCheckpoint(join(TORCH, name)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsafePickleError);
    expect((err as UnsafePickleError).global).toBe(want.forbidden);
    expect((err as UnsafePickleError).file).toBe(join(TORCH, name));
    expect((err as Error).message).toContain(want.forbidden!);
  });

  it('refuses a zip without data.pkl with MissingEntryError', async () => {
    const sink = new MemorySink();
    const zip = new ZipWriter(sink);
    await zip.add('archive/version', new TextEncoder().encode('3\n'));
    await zip.finish();
    const err = await openTorchZip(bufferSource(sink.bytes(), 'nopkl.pt')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MissingEntryError);
    expect((err as MissingEntryError).file).toBe('nopkl.pt');
  });
});

const REAL = join(SHARED_DATA, 'checkpoints', 'roberta_base_lora_mnli.bin');

describe.skipIf(!existsSync(REAL))('released loralib checkpoint roberta_base_lora_mnli.bin', () => {
  it('has the 52 tensors of loralib-reference §5 with PyTorch’s values', async () => {
    const want = await readJson<{ tensors: Record<string, ExpectedTensor> }>(join(TORCH, 'roberta_base_lora_mnli.bin.expected.json'));
    const reader = (await openCheckpoint(REAL)) as TorchReader;
    try {
      expect(reader.format).toBe('torch-zip');
      const keys = reader.keys();
      expect(keys).toHaveLength(52);
      const lora = keys.filter((k) => k.includes('lora_'));
      expect(lora).toHaveLength(48);
      for (let layer = 0; layer < 12; layer++) {
        for (const proj of ['query', 'value']) {
          const base = `roberta.encoder.layer.${layer}.attention.self.${proj}`;
          expect(reader.info(`${base}.lora_A`)).toEqual({ dtype: 'float32', shape: [8, 768] });
          expect(reader.info(`${base}.lora_B`)).toEqual({ dtype: 'float32', shape: [768, 8] });
        }
      }
      expect(reader.info('classifier.dense.weight').shape).toEqual([768, 768]);
      expect(reader.info('classifier.dense.bias').shape).toEqual([768]);
      expect(reader.info('classifier.out_proj.weight').shape).toEqual([3, 768]);
      expect(reader.info('classifier.out_proj.bias').shape).toEqual([3]);
      expect(reader.layout(lora[0]).location).toBe('cuda:0');
      let params = 0;
      for (const key of keys) {
        const t = await reader.read(key);
        params += t.data.length;
        const w = want.tensors[key];
        expect(sha256(t)).toBe(w.sha256);
        expect(tensorSum(t)).toBeCloseTo(w.sum, 6);
      }
      expect(params).toBe(887_811);
    } finally {
      await reader.close();
    }
  });
});

describe('PyTorch bad input', () => {
  const pkl = (body: number[]) => new Uint8Array([0x80, 0x02, ...body, 0x2e]);
  it('a pickle without the legacy magic number → CorruptCheckpointError "bad magic number"', async () => {
    const err = await openCheckpointBytes(pkl([0x4b, 0x07]), 'old.pt').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptCheckpointError);
    expect((err as Error).message).toMatch(/^old\.pt.*bad magic number/);
  });

  it('unrecognised bytes → UnsupportedFormatError naming the file', async () => {
    const err = await openCheckpointBytes(new TextEncoder().encode('hello world, not a checkpoint'), 'x.bin').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedFormatError);
    expect((err as UnsupportedFormatError).file).toBe('x.bin');
  });

  it('a zip cut short → TruncatedCheckpointError', async () => {
    const bytes = new Uint8Array(await readFile(join(TORCH, 'zip_views.pt')));
    const err = await openCheckpointBytes(bytes.slice(0, bytes.length - 30), 'cut.pt').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TruncatedCheckpointError);
  });

  it('a STACK_GLOBAL to builtins.exec inside data.pkl is refused before anything runs, naming the record', async () => {
    const sink = new MemorySink();
    const zip = new ZipWriter(sink);
    const str = (s: string) => [0x8c, s.length, ...new TextEncoder().encode(s)];
    // builtins.exec("...") via STACK_GLOBAL + TUPLE1 + REDUCE
    await zip.add('evil/data.pkl', pkl([...str('builtins'), ...str('exec'), 0x93, ...str('import os'), 0x85, 0x52]));
    await zip.finish();
    const err = (await openCheckpointBytes(sink.bytes(), 'evil.pt').catch((e: unknown) => e)) as UnsafePickleError;
    expect(err).toBeInstanceOf(UnsafePickleError);
    expect([err.file, err.key, err.global]).toEqual(['evil.pt', 'evil/data.pkl', 'builtins.exec']);
  });

  it('a tensor whose strides run past its storage → CorruptCheckpointError naming the tensor', async () => {
    const sink = new MemorySink();
    const zip = new ZipWriter(sink);
    const str = (s: string) => [0x58, s.length, 0, 0, 0, ...new TextEncoder().encode(s)];
    const global = (m: string, n: string) => [0x63, ...new TextEncoder().encode(`${m}\n${n}\n`)];
    // {'w': _rebuild_tensor_v2(('storage', FloatStorage, '0', 'cpu', 4), 0, (3,), (2,), False, None)}
    const body = [0x7d, ...str('w'), ...global('torch._utils', '_rebuild_tensor_v2'), 0x28, 0x28, ...str('storage'), ...global('torch', 'FloatStorage'), ...str('0'), ...str('cpu'), 0x4b, 4, 0x74, 0x51, 0x4b, 0, 0x4b, 3, 0x85, 0x4b, 2, 0x85, 0x89, 0x4e, 0x74, 0x52, 0x73];
    await zip.add('a/data.pkl', pkl(body));
    await zip.add('a/data/0', new Uint8Array(16));
    await zip.finish();
    const reader = await openCheckpointBytes(sink.bytes(), 'strided.pt');
    const err = (await reader.read('w').catch((e: unknown) => e)) as CorruptCheckpointError;
    expect(err).toBeInstanceOf(CorruptCheckpointError);
    expect(err.key).toBe('w');
    expect(err.message).toMatch(/runs past its storage of 4 elements/);
  });
});

describe('every direction between formats', () => {
  it.each(['zip_dtypes.pt', 'legacy_dtypes.pt', 'legacy_views.pt', 'zip_views.pt'])('%s → safetensors → torch zip → safetensors keeps every tensor bit-exact', async (name) => {
    const want = expected.files[name].tensors!;
    const first = await loadCheckpoint(join(TORCH, name), { raw: true });
    const st = serializeSafetensors(first.tensors);
    const zip = await serializeTorch((await loadCheckpointFromBytes(st)).tensors);
    const again = serializeSafetensors((await loadCheckpointFromBytes(zip)).tensors);
    expect(again).toEqual(st);
    for (const [key, t] of (await loadCheckpointFromBytes(zip)).tensors) expect([key, sha256(t)]).toEqual([key, want[key].sha256]);
  });
});

async function loadCheckpointFromBytes(bytes: Uint8Array) {
  const reader = await openCheckpointBytes(bytes);
  const tensors = await reader.readAll({ raw: true });
  await reader.close();
  return { tensors };
}
