import { execFileSync, spawnSync } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rng, scratch, sha256 } from '../test/helpers.js';
import { openCheckpoint, openCheckpointBytes, saveCheckpoint } from './checkpoint.js';
import { allocate, type DType, type HostTensor } from './dtype.js';
import { InvalidTensorError, UnsupportedDTypeError } from './errors.js';
import { serializeTorch, writeTorch } from './torch-zip.js';
import { TorchReader } from './torch-reader.js';
import { bufferSource } from './source.js';
import { ZipReader } from './zip.js';

const TORCH_DTYPES: DType[] = ['float32', 'float16', 'bfloat16', 'float64', 'int64', 'int32', 'int16', 'int8', 'uint8', 'bool'];

function sample(dtype: DType, shape: number[], seed: number): HostTensor {
  const r = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const data = allocate(dtype, n);
  for (let i = 0; i < n; i++) {
    if (data instanceof BigInt64Array) data[i] = BigInt(Math.floor((r() - 0.5) * 2 ** 53));
    else if (dtype === 'bool') data[i] = r() > 0.5 ? 1 : 0;
    else if (data instanceof Float32Array || data instanceof Float64Array) data[i] = r() * 2 - 1;
    else if (dtype === 'float16' || dtype === 'bfloat16') data[i] = 0x3000 + Math.floor(r() * 0x1000);
    else (data as Int32Array)[i] = Math.floor((r() - 0.5) * 250);
  }
  return { dtype, shape, data };
}

const STATE = new Map(TORCH_DTYPES.map((d, i) => [`layer.${i}.${d}`, sample(d, i === 3 ? [] : i === 4 ? [0, 3] : [3, i + 1], i)]));

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await scratch()));
afterAll(() => cleanup());

describe('PyTorch zip writer', () => {
  it('round-trips every storage dtype bit-exact', async () => {
    const path = join(dir, 'state.pt');
    await writeTorch(path, STATE);
    const reader = await openCheckpoint(path);
    expect(reader.format).toBe('torch-zip');
    expect(reader.keys()).toEqual([...STATE.keys()]);
    for (const [key, t] of STATE) {
      const back = await reader.read(key, { raw: true });
      expect({ key, dtype: back.dtype, shape: back.shape, sha: sha256(back) }).toEqual({ key, dtype: t.dtype, shape: t.shape, sha: sha256(t) });
    }
    await reader.close();
  });

  it('writes nested dicts, lists and scalars that read back as the same values', async () => {
    const bytes = await serializeTorch({ model_state_dict: new Map([['w', STATE.get('layer.0.float32')!]]), epoch: 7, tag: 'x', done: false, none: null, lr: 0.5, big: 2 ** 40, steps: [1, 2] });
    const reader = (await openCheckpointBytes(bytes)) as TorchReader;
    expect(reader.keys()).toEqual(['model_state_dict.w']);
    expect(Object.fromEntries(reader.values)).toEqual({ epoch: 7, tag: 'x', done: false, none: null, lr: 0.5, big: 2 ** 40, 'steps.0': 1, 'steps.1': 2 });
  });

  it('aligns every record to 64 bytes and names the archive folder', async () => {
    const bytes = await serializeTorch(STATE, { archiveName: 'my_model' });
    const zip = await ZipReader.open(bufferSource(bytes));
    expect([...zip.entries.keys()]).toContain('my_model/data.pkl');
    expect([...zip.entries.keys()]).toContain('my_model/version');
    for (const entry of zip.entries.values()) expect((await zip.dataOffset(entry)) % 64).toBe(0);
  });

  it('refuses tensors it cannot write, leaving nothing behind', async () => {
    await expect(writeTorch(join(dir, 'u16.pt'), new Map([['x', { dtype: 'uint16', shape: [1], data: new Uint16Array(1) }]]))).rejects.toThrow(UnsupportedDTypeError);
    await expect(saveCheckpoint(join(dir, 'short.pt'), [['x', { dtype: 'float32', shape: [4], data: new Float32Array(2) }]])).rejects.toThrow(InvalidTensorError);
    expect((await readdir(dir)).filter((f) => f.includes('u16') || f.includes('short'))).toEqual([]);
  });
});

const python = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;

const CHECK = `
import hashlib, json, sys, torch
INT = {torch.float16: torch.int16, torch.bfloat16: torch.int16, torch.float32: torch.int32, torch.float64: torch.int64, torch.bool: torch.uint8}
out = {}
for path in sys.argv[1:]:
    sd = torch.load(path, map_location="cpu", weights_only=True)
    for k, t in sd.items():
        t = t.contiguous().reshape(-1)
        t = t.view(INT[t.dtype]) if t.dtype in INT else t
        out[k] = [str(t.dtype), hashlib.sha256(t.numpy().tobytes()).hexdigest()]
print(json.dumps(out))
`;

describe.skipIf(!python)('files this package writes load in PyTorch (local /usr/bin/python3 torch, weights_only=True)', () => {
  it('torch.load(weights_only=True) accepts the zip file and sees the same bytes', async () => {
    const path = join(dir, 'for_torch.pt');
    await writeTorch(path, STATE);
    const seen = JSON.parse(execFileSync('/usr/bin/python3', ['-c', CHECK, path], { encoding: 'utf8' })) as Record<string, [string, string]>;
    expect(Object.keys(seen)).toEqual([...STATE.keys()]);
    for (const [key, t] of STATE) expect(seen[key][1]).toBe(sha256(t));
  });
});
