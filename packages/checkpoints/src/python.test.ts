// Files made by safetensors and PEFT (fixtures/make_python_fixtures.py on the GPU machine), and that machine's
// checks of the files lorats writes. Skips until fixtures/python/ has been generated.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, readJson, scratch, sha256 } from '../test/helpers.js';
import type { StateDict } from './dtype.js';
import { loraFromPeft, readPeftAdapter, writePeftAdapter, type AdapterConfigJson } from './peft.js';
import { SafetensorsReader, serializeSafetensors } from './safetensors.js';
import { loraScaling } from './lora.js';

const PY = join(FIXTURES, 'python');
const LORATS = join(FIXTURES, 'lorats');
const present = existsSync(join(PY, 'expected.json')) && existsSync(join(PY, 'verify.json'));

interface Expected {
  files: Record<string, { tensors: Record<string, { dtype: string; shape: number[]; sha256: string }>; metadata?: Record<string, string>; config?: AdapterConfigJson; scaling?: Record<string, number> }>;
}

function expectSame(tensors: StateDict, want: Expected['files'][string]['tensors']): void {
  expect([...tensors.keys()].sort()).toEqual(Object.keys(want).sort());
  for (const [k, t] of tensors) expect({ k, dtype: t.dtype, shape: t.shape, sha: sha256(t) }).toEqual({ k, dtype: want[k].dtype, shape: want[k].shape, sha: want[k].sha256 });
}

describe.skipIf(!present)('files made by safetensors and PEFT (fixtures/python)', () => {
  let expected: Expected;
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    expected = await readJson<Expected>(join(PY, 'expected.json'));
    ({ dir, cleanup } = await scratch());
  });
  afterAll(() => cleanup?.());

  it('reads a safetensors-library file bit-exact, and writes the identical file back', async () => {
    const path = join(PY, 'st_dtypes.safetensors');
    const reader = await SafetensorsReader.open(path);
    const tensors = await reader.readAll({ raw: true });
    await reader.close();
    const want = expected.files['st_dtypes.safetensors'];
    expectSame(tensors, want.tensors);
    expect(reader.metadata).toEqual(want.metadata);
    expect(serializeSafetensors(tensors, { metadata: reader.metadata })).toEqual(new Uint8Array(await readFile(path)));
  });

  it.each(['peft_gpt2', 'peft_gpt2_bin', 'peft_roberta', 'peft_patterns'])('%s: PEFT adapter read bit-exact, scaling as PEFT computes it, written back unchanged', async (name) => {
    const want = expected.files[name];
    const adapter = await readPeftAdapter(join(PY, name));
    expectSame(adapter.tensors, want.tensors);
    expect(adapter.config).toEqual(want.config);
    const lora = loraFromPeft(adapter, name);
    for (const m of lora.modules) {
      expect(want.scaling![m.path], m.path).toBeDefined();
      expect(loraScaling(m), m.path).toBeCloseTo(want.scaling![m.path], 12);
    }
    expect(lora.modules.length).toBe(Object.keys(want.scaling!).length);
    // PEFT -> lorats -> PEFT: the same files
    const out = join(dir, name);
    await writePeftAdapter(out, adapter, { format: adapter.weightsFile.endsWith('.bin') ? 'bin' : 'safetensors', configText: adapter.configText });
    expect(await readFile(join(out, 'adapter_config.json'), 'utf8')).toBe(adapter.configText);
    if (adapter.weightsFile.endsWith('.safetensors')) {
      expect(new Uint8Array(await readFile(join(out, adapter.weightsFile)))).toEqual(new Uint8Array(await readFile(join(PY, name, adapter.weightsFile))));
    } else {
      expectSame((await readPeftAdapter(out)).tensors, want.tensors);
    }
  });

  it('every check of lorats-written files passed on the Python side (verify.json)', async () => {
    const verify = await readJson<{ checks: { check: string; ok: boolean; detail: string }[] }>(join(PY, 'verify.json'));
    expect(verify.checks.length).toBeGreaterThanOrEqual(6);
    for (const c of verify.checks) expect({ check: c.check, ok: c.ok, detail: c.ok ? '' : c.detail }).toEqual({ check: c.check, ok: true, detail: '' });
  });

  it.each([
    ['resaved_gpt2', 'peft_gpt2_from_loralib'],
    ['resaved_gpt2_bin', 'peft_gpt2_from_loralib_bin'],
    ['resaved_roberta', 'peft_roberta_from_loralib'],
  ])('lorats -> PEFT -> lorats: %s (PEFT re-saved %s) has the same tensors', async (resaved, original) => {
    const lorats = await readJson<{ files: Record<string, Record<string, { dtype: string; shape: number[]; sha256: string }>> }>(join(LORATS, 'expected.json'));
    expectSame((await readPeftAdapter(join(PY, resaved))).tensors, lorats.files[original]);
  });
});

describe('fixtures/lorats are what the writers produce today (so verify.json still speaks for them)', () => {
  it('make-lorats-fixtures.ts writes byte-identical files', async () => {
    const { execFileSync } = await import('node:child_process');
    const { readdir } = await import('node:fs/promises');
    const { dir, cleanup } = await scratch();
    try {
      execFileSync(process.execPath, ['--conditions=@lorats/source', '--import', 'tsx', join(FIXTURES, 'make-lorats-fixtures.ts'), dir], { encoding: 'utf8' });
      const list = async (root: string, sub = ''): Promise<string[]> =>
        (await readdir(join(root, sub), { withFileTypes: true })).flatMap((e) => (e.isDirectory() ? [] : [join(sub, e.name)])).concat(
          ...(await Promise.all((await readdir(join(root, sub), { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => list(root, join(sub, e.name))))),
        );
      const files = (await list(LORATS)).sort();
      expect((await list(dir)).sort()).toEqual(files);
      for (const f of files) expect([f, Buffer.compare(await readFile(join(dir, f)), await readFile(join(LORATS, f)))]).toEqual([f, 0]);
    } finally {
      await cleanup();
    }
  });
});
