import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, readJson, sha256, SHARED_DATA, type ExpectedTensor } from '../test/helpers.js';
import { openCheckpoint } from './checkpoint.js';
import { MissingEntryError, UnsafePickleError } from './errors.js';
import { tensorSum } from './tensor.js';
import { TorchReader } from './torch-reader.js';
import { bufferSource } from './source.js';
import { openTorchZip } from './torch-zip.js';
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
