import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCheckpoint, readPeftAdapter, type HostTensor } from '@lorats/checkpoints';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../cli.js';
import { convert } from './convert.js';
import { inspect } from './inspect.js';

const TORCH = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'checkpoints', 'fixtures', 'torch');

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t) }, out: () => out.join(''), err: () => err.join('') };
}

async function run(...argv: string[]) {
  const c = capture();
  const code = await main(argv, c.io, [inspect, convert]);
  return { code, out: c.out(), err: c.err() };
}

const sha = (t: HostTensor) => createHash('sha256').update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)).digest('hex');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lorats-cli-ckpt-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('lorats inspect', () => {
  it('lists every tensor with dtype, shape and the float64 sum PyTorch computes', async () => {
    const expected = JSON.parse(await readFile(join(TORCH, 'expected.json'), 'utf8')).files['zip_dtypes.pt'].tensors as Record<string, { dtype: string; shape: number[]; sum: number }>;
    const r = await run('inspect', join(TORCH, 'zip_dtypes.pt'), '--json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as { format: string; tensors: { name: string; dtype: string; shape: number[]; sum: number }[] };
    expect(report.format).toBe('torch-zip');
    expect(report.tensors.map((t) => t.name).sort()).toEqual(Object.keys(expected).sort());
    for (const t of report.tensors) {
      expect([t.dtype, t.shape]).toEqual([expected[t.name].dtype, expected[t.name].shape]);
      expect(t.sum).toBeCloseTo(expected[t.name].sum, Math.abs(t.sum) > 1e6 ? -2 : 5);
    }
  });

  it('prints a table and the non-tensor values', async () => {
    const r = await run('inspect', join(TORCH, 'zip_nested.pt'));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/model_state_dict\.module\.layer\.0\.weight\s+float32\s+\[2, 2\]/);
    expect(r.out).toContain('"epoch":3');
  });

  it('exits 1 naming the file for a corrupt checkpoint', async () => {
    const bad = join(dir, 'bad.safetensors');
    await writeFile(bad, new Uint8Array([200, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0x7d]));
    const r = await run('inspect', bad);
    expect(r.code).toBe(1);
    expect(r.err).toContain(bad);
    expect(r.err).toContain('larger than the file');
  });
});

describe('lorats convert', () => {
  it('.pt -> .safetensors -> .bin keeps every tensor bit-exact', async () => {
    const st = join(dir, 'dtypes.safetensors');
    const bin = join(dir, 'dtypes.bin');
    expect((await run('convert', join(TORCH, 'zip_dtypes.pt'), st)).code).toBe(0);
    expect((await run('convert', st, bin)).code).toBe(0);
    const original = await loadCheckpoint(join(TORCH, 'zip_dtypes.pt'), { raw: true });
    const back = await loadCheckpoint(bin, { raw: true });
    expect(back.format).toBe('torch-zip');
    for (const [k, t] of original.tensors) expect([k, back.tensors.get(k)?.dtype, sha(back.tensors.get(k)!)]).toEqual([k, t.dtype, sha(t)]);
  });

  it('loralib .bin -> PEFT folder -> loralib .bin is the identity and reports alpha', async () => {
    const folder = join(dir, 'adapter');
    const r1 = await run('convert', join(TORCH, 'loralib_roberta.bin'), folder, '--alpha', '16', '--task-type', 'SEQ_CLS', '--base-model', 'roberta-base');
    expect(r1.code).toBe(0);
    const adapter = await readPeftAdapter(folder);
    expect(adapter.config).toMatchObject({ r: 4, lora_alpha: 16, task_type: 'SEQ_CLS', base_model_name_or_path: 'roberta-base' });
    const out = join(dir, 'roundtrip.bin');
    const r2 = await run('convert', folder, out);
    expect(r2.code).toBe(0);
    expect(r2.out).toContain('alpha = 16');
    const original = await loadCheckpoint(join(TORCH, 'loralib_roberta.bin'), { raw: true });
    const back = await loadCheckpoint(out, { raw: true });
    expect([...back.tensors.keys()].sort()).toEqual([...original.tensors.keys()].sort());
    for (const [k, t] of original.tensors) expect(sha(back.tensors.get(k)!)).toBe(sha(t));
  });

  it('re-saves a PEFT folder as .bin with the config unchanged', async () => {
    const folder = join(dir, 'adapter');
    const binFolder = join(dir, 'adapter-bin');
    expect((await run('convert', folder, binFolder, '--format', 'bin')).code).toBe(0);
    expect((await readdir(binFolder)).sort()).toEqual(['adapter_config.json', 'adapter_model.bin']);
    expect(await readFile(join(binFolder, 'adapter_config.json'), 'utf8')).toBe(await readFile(join(folder, 'adapter_config.json'), 'utf8'));
  });

  it('--unwrap drops the model_state_dict container and module. prefix; non-tensor values are reported', async () => {
    const out = join(dir, 'gpt2.safetensors');
    expect((await run('convert', join(TORCH, 'loralib_gpt2_merged.pt'), out, '--unwrap')).code).toBe(0);
    expect([...(await loadCheckpoint(out)).tensors.keys()].sort()).toEqual([
      'transformer.h.0.attn.c_attn.lora_A',
      'transformer.h.0.attn.c_attn.lora_B',
      'transformer.h.1.attn.c_attn.lora_A',
      'transformer.h.1.attn.c_attn.lora_B',
    ]);
    const r = await run('convert', join(TORCH, 'zip_nested.pt'), join(dir, 'nested.safetensors'));
    expect(r.out).toContain('not carried over (not tensors): epoch, name, best, done, steps.0, steps.1');
  });

  it('asks for --alpha, refuses to overwrite without --force', async () => {
    const noAlpha = await run('convert', join(TORCH, 'loralib_roberta.bin'), join(dir, 'x'));
    expect(noAlpha.code).toBe(2);
    expect(noAlpha.err).toContain('--alpha');
    const exists = await run('convert', join(TORCH, 'zip_dtypes.pt'), join(dir, 'dtypes.bin'));
    expect(exists.code).toBe(2);
    expect(exists.err).toContain('--force');
    expect((await run('convert', join(TORCH, 'zip_dtypes.pt'), join(dir, 'dtypes.bin'), '--force')).code).toBe(0);
  });
});
