import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratch } from '../test/helpers.js';
import type { HostTensor } from './dtype.js';
import { CorruptCheckpointError, MissingEntryError } from './errors.js';
import { labelsInConfig, readHfWeights, readJson } from './hf-folder.js';
import { writeSafetensors } from './safetensors.js';
import { writeTorch } from './torch-zip.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await scratch()));
afterAll(() => cleanup());

const f32 = (shape: number[], start = 0): HostTensor => ({ dtype: 'float32', shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => start + i) });
const half = (shape: number[]): HostTensor => ({ dtype: 'float16', shape, data: new Uint16Array(shape.reduce((a, b) => a * b, 1)).fill(0x3c00) });

describe('HF model folders', () => {
  it('reads model.safetensors, pytorch_model.bin, or the shards an index lists (float16 decoded)', async () => {
    const single = join(dir, 'single');
    await mkdir(single);
    await writeSafetensors(join(single, 'model.safetensors'), new Map([['a.weight', half([2])]]));
    const s = await readHfWeights(single);
    expect(s.file).toBe(join(single, 'model.safetensors'));
    expect(s.tensors.get('a.weight')).toEqual({ dtype: 'float32', shape: [2], data: new Float32Array([1, 1]) });

    const bin = join(dir, 'bin');
    await mkdir(bin);
    await writeTorch(join(bin, 'pytorch_model.bin'), new Map([['b', f32([3])]]));
    expect((await readHfWeights(bin)).tensors.get('b')?.data).toEqual(new Float32Array([0, 1, 2]));

    const sharded = join(dir, 'sharded');
    await mkdir(sharded);
    await writeSafetensors(join(sharded, 'model-00001-of-00002.safetensors'), new Map([['x', f32([2])]]));
    await writeSafetensors(join(sharded, 'model-00002-of-00002.safetensors'), new Map([['y', f32([1], 5)]]));
    const map = { x: 'model-00001-of-00002.safetensors', y: 'model-00002-of-00002.safetensors' };
    await writeFile(join(sharded, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: map }));
    const sh = await readHfWeights(sharded);
    expect(sh.file).toBe(join(sharded, 'model.safetensors.index.json'));
    expect([...sh.tensors.keys()]).toEqual(['x', 'y']);
    expect(sh.tensors.get('y')?.data).toEqual(new Float32Array([5]));
  });

  it('names the folder or file when the weights, the weight_map or the JSON are missing or bad', async () => {
    const empty = join(dir, 'empty');
    await mkdir(empty);
    await expect(readHfWeights(empty)).rejects.toThrow(MissingEntryError);
    await expect(readHfWeights(empty)).rejects.toThrow(`${empty}: no model.safetensors or pytorch_model.bin (nor a sharded index)`);
    const noMap = join(dir, 'no-map');
    await mkdir(noMap);
    await writeFile(join(noMap, 'pytorch_model.bin.index.json'), '{"metadata": {}}');
    await expect(readHfWeights(noMap)).rejects.toThrow(CorruptCheckpointError);
    await expect(readHfWeights(noMap)).rejects.toThrow(/pytorch_model\.bin\.index\.json: no "weight_map"/);
    await writeFile(join(dir, 'bad.json'), '{"a":');
    expect(() => readJson(join(dir, 'bad.json'))).toThrow(/bad\.json: not valid JSON/);
    expect(() => readJson(join(dir, 'none.json'))).toThrow(/none\.json: cannot read/);
  });

  it('counts the labels of id2label', () => {
    expect(labelsInConfig({ id2label: { 0: 'a', 1: 'b', 2: 'c' } })).toBe(3);
    expect(labelsInConfig({ hidden_size: 8 })).toBeUndefined();
  });
});
