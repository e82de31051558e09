import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratch } from '../test/helpers.js';
import type { HostTensor, StateDict } from './dtype.js';
import { UnsupportedFormatError } from './errors.js';
import { readLoraAdapter } from './lora-adapter.js';
import { peftFromLora, writePeftAdapter } from './peft.js';
import { writeTorch } from './torch-zip.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await scratch()));
afterAll(() => cleanup());

const f32 = (shape: number[], start = 0): HostTensor => ({ dtype: 'float32', shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => start + i) });

describe('readLoraAdapter', () => {
  const loralib = (): StateDict =>
    new Map([
      ['module.enc.q.lora_A', f32([2, 4])],
      ['module.enc.q.lora_B', f32([4, 2])],
      ['module.head.weight', f32([3, 4])],
    ]);

  it('reads a loralib file and a PEFT folder to the same model keys, renamed by the caller', async () => {
    const file = join(dir, 'adapter.bin');
    await writeTorch(file, loralib());
    const rename = (k: string) => (k.startsWith('head.') ? k : `model.${k}`);
    const a = await readLoraAdapter(file, rename);
    expect(a).toMatchObject({ format: 'loralib', file, rank: 2, alpha: undefined, useRsLora: false });
    expect([...a.lora.keys()]).toEqual(['model.enc.q.lora_A', 'model.enc.q.lora_B']);
    expect([...a.modules.keys()]).toEqual(['head.weight']);

    const folder = join(dir, 'peft');
    const weights = { modules: [{ path: 'enc.q', kind: 'linear' as const, rank: 2, alpha: 16, loraA: f32([2, 4]), loraB: f32([4, 2]) }], extra: new Map([['head.weight', f32([3, 4])]]) };
    await writePeftAdapter(folder, peftFromLora(weights));
    const p = await readLoraAdapter(folder, rename);
    expect(p).toMatchObject({ format: 'peft', file: join(folder, 'adapter_model.safetensors'), rank: 2, alpha: 16, useRsLora: false });
    expect(p.lora).toEqual(a.lora);
    expect(p.modules).toEqual(a.modules);
  });

  it('refuses what it cannot load, naming the file', async () => {
    await expect(readLoraAdapter(join(dir, 'nope.bin'))).rejects.toThrow(/nope\.bin: no such adapter file or folder/);
    const mixed = join(dir, 'mixed.bin');
    await writeTorch(mixed, new Map([...loralib(), ['k.lora_A', f32([3, 4])]]));
    await expect(readLoraAdapter(mixed)).rejects.toThrow(UnsupportedFormatError);
    await expect(readLoraAdapter(mixed)).rejects.toThrow(/mixed\.bin: "k\.lora_A" has rank 3, others 2/);
    const none = join(dir, 'none.bin');
    await writeTorch(none, new Map([['head.weight', f32([3, 4])]]));
    await expect(readLoraAdapter(none)).rejects.toThrow(/none\.bin: no lora_A \/ lora_B tensors/);
    const dora = join(dir, 'dora');
    const weights = { modules: [{ path: 'q', kind: 'linear' as const, rank: 1, alpha: 2, loraA: f32([1, 2]), loraB: f32([2, 1]) }], extra: new Map() };
    const adapter = peftFromLora(weights);
    await writePeftAdapter(dora, { ...adapter, config: { ...adapter.config, use_dora: true } });
    await expect(readLoraAdapter(dora)).rejects.toThrow(/adapter_config\.json: DoRA adapters are not supported/);
  });
});
