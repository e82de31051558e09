import { readdir, readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, scratch, sha256 } from '../test/helpers.js';
import type { HostTensor } from './dtype.js';
import { CorruptCheckpointError, MissingEntryError, UnsupportedFormatError } from './errors.js';
import { expandMerged, loraScaling, type LoraModule } from './lora.js';
import { loralibStateDict, readLoralib } from './loralib.js';
import { loraFromPeft, parsePeftKey, peftFromLora, peftKey, readPeftAdapter, writePeftAdapter, MERGED_METADATA_KEY } from './peft.js';

const TORCH = join(FIXTURES, 'torch');
let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await scratch()));
afterAll(() => cleanup());

function matmul(a: HostTensor, b: HostTensor): Float64Array {
  // [m, k] x [k, n] in float64
  const [m, k] = a.shape;
  const n = b.shape[1];
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let c = 0; c < k; c++) s += (a.data[i * k + c] as number) * (b.data[c * n + j] as number);
    out[i * n + j] = s;
  }
  return out;
}

/** loralib MergedLinear.merge_AB() zero-padded to the fused output (loralib-reference §1.4), before T() and scaling. */
function mergeAB(m: LoraModule): Float64Array {
  const groups = m.enableLora!;
  const r = m.rank;
  const enabled = groups.filter(Boolean).length;
  const d = m.loraB.shape[0] / enabled;
  const inF = m.loraA.shape[1];
  const out = new Float64Array(groups.length * d * inF);
  let k = 0;
  groups.forEach((on, g) => {
    if (!on) return;
    const b = { dtype: 'float32' as const, shape: [d, r], data: (m.loraB.data as Float32Array).subarray(k * d * r, (k + 1) * d * r) };
    const a = { dtype: 'float32' as const, shape: [r, inF], data: (m.loraA.data as Float32Array).subarray(k * r * inF, (k + 1) * r * inF) };
    out.set(matmul(b, a), g * d * inF);
    k++;
  });
  return out;
}

describe('PEFT keys', () => {
  it.each([
    ['base_model.model.transformer.h.0.attn.c_attn.lora_A.weight', { path: 'transformer.h.0.attn.c_attn', role: 'lora_A' }],
    ['base_model.model.model.embed_tokens.lora_embedding_B', { path: 'model.embed_tokens', role: 'lora_embedding_B' }],
    ['base_model.model.q_proj.lora_magnitude_vector', { path: 'q_proj', role: 'lora_magnitude_vector' }],
    ['base_model.model.classifier.dense.weight', { path: 'classifier.dense.weight', role: 'other' }],
    ['base_model.model.q.lora_B.default.weight', { path: 'q', role: 'lora_B', adapterName: 'default' }],
  ])('parses %s', (key, want) => {
    expect(parsePeftKey(key)).toEqual(want);
  });
  it('builds the keys PEFT saves', () => {
    expect(peftKey('a.b', 'lora_A')).toBe('base_model.model.a.b.lora_A.weight');
    expect(peftKey('wte', 'lora_embedding_A')).toBe('base_model.model.wte.lora_embedding_A');
  });
});

describe('loralib files', () => {
  it('reads a RoBERTa-style file: rank from shapes, alpha from the caller, heads as extra tensors', async () => {
    const w = await readLoralib(join(TORCH, 'loralib_roberta.bin'), { alpha: 16 });
    expect(w.modules.map((m) => m.path)).toEqual([
      'roberta.encoder.layer.0.attention.self.query',
      'roberta.encoder.layer.0.attention.self.value',
      'roberta.encoder.layer.1.attention.self.query',
      'roberta.encoder.layer.1.attention.self.value',
    ]);
    expect(w.modules.every((m) => m.rank === 4 && m.alpha === 16 && m.kind === 'linear' && !m.enableLora)).toBe(true);
    expect(loraScaling(w.modules[0])).toBe(4);
    expect([...w.extra.keys()]).toEqual(['classifier.dense.weight', 'classifier.dense.bias', 'classifier.out_proj.weight', 'classifier.out_proj.bias']);
  });

  it('recognises GPT-2 MergedLinear c_attn (q, v) under model_state_dict with the module. prefix', async () => {
    const w = await readLoralib(join(TORCH, 'loralib_gpt2_merged.pt'), { alpha: 32 });
    expect(w.modules.map((m) => [m.path, m.rank, m.enableLora])).toEqual([
      ['transformer.h.0.attn.c_attn', 4, [true, false, true]],
      ['transformer.h.1.attn.c_attn', 4, [true, false, true]],
    ]);
  });

  it('needs alpha and refuses unknown merged layouts', async () => {
    await expect(readLoralib(join(TORCH, 'loralib_roberta.bin'), { alpha: 0 })).rejects.toThrow(CorruptCheckpointError);
    const err = await readLoralib(join(TORCH, 'loralib_gpt2_merged.pt'), { alpha: 32, enableLora: { c_attn: [true, true, true] } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptCheckpointError);
  });
});

describe('loralib ⇄ PEFT', () => {
  it('RoBERTa: loralib → PEFT folder → loralib is the identity, with PEFT naming and config', async () => {
    const w = await readLoralib(join(TORCH, 'loralib_roberta.bin'), { alpha: 16 });
    const adapter = peftFromLora(w, { baseModel: 'roberta-base', taskType: 'SEQ_CLS' });
    expect([...adapter.tensors.keys()].slice(0, 2)).toEqual([
      'base_model.model.roberta.encoder.layer.0.attention.self.query.lora_A.weight',
      'base_model.model.roberta.encoder.layer.0.attention.self.query.lora_B.weight',
    ]);
    expect(adapter.tensors.has('base_model.model.classifier.out_proj.bias')).toBe(true);
    expect(adapter.config).toMatchObject({ peft_type: 'LORA', r: 4, lora_alpha: 16, target_modules: ['query', 'value'], modules_to_save: ['classifier'], fan_in_fan_out: false, task_type: 'SEQ_CLS' });
    const folder = join(dir, 'roberta-adapter');
    await writePeftAdapter(folder, adapter);
    expect((await readdir(folder)).sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors']);
    const back = await readPeftAdapter(folder);
    expect(back.config).toEqual(adapter.config);
    expect(back.metadata).toEqual({ format: 'pt' });
    const again = loraFromPeft(back);
    const original = loralibStateDict(w);
    const roundTrip = loralibStateDict(again);
    expect([...roundTrip.keys()].sort()).toEqual([...original.keys()].sort()); // safetensors orders by name
    for (const [k, t] of original) expect(sha256(roundTrip.get(k)!)).toBe(sha256(t));
    expect(again.modules.every((m) => m.alpha === 16)).toBe(true);
  });

  it('GPT-2 MergedLinear becomes an exact rank-2r LoRA on c_attn (same ΔW, same scaling) and comes back', async () => {
    const w = await readLoralib(join(TORCH, 'loralib_gpt2_merged.pt'), { alpha: 32 });
    const m = w.modules[0];
    const e = expandMerged(m);
    expect(e.loraA.shape).toEqual([8, 16]);
    expect(e.loraB.shape).toEqual([48, 8]);
    expect(loraScaling(e)).toBe(loraScaling(m));
    expect([...matmul(e.loraB, e.loraA)]).toEqual([...mergeAB(m)]);
    const adapter = peftFromLora(w);
    expect(adapter.config).toMatchObject({ r: 8, lora_alpha: 64, target_modules: ['c_attn'], fan_in_fan_out: true, modules_to_save: null });
    expect(JSON.parse(adapter.metadata[MERGED_METADATA_KEY])).toEqual({ 'transformer.h.0.attn.c_attn': [true, false, true], 'transformer.h.1.attn.c_attn': [true, false, true] });
    // safetensors keeps the metadata: the MergedLinear form is restored bit-exact
    const folder = join(dir, 'gpt2-adapter');
    await writePeftAdapter(folder, adapter);
    const back = loraFromPeft(await readPeftAdapter(folder));
    expect(back.modules.map((x) => [x.path, x.rank, x.alpha, x.enableLora])).toEqual(w.modules.map((x) => [x.path, x.rank, x.alpha, x.enableLora]));
    for (const [k, t] of loralibStateDict(w)) expect(sha256(loralibStateDict(back).get(k)!)).toBe(sha256(t));
    // a .bin adapter has no metadata: it stays the equivalent plain LoRA
    const binFolder = join(dir, 'gpt2-adapter-bin');
    await writePeftAdapter(binFolder, adapter, { format: 'bin' });
    const plain = loraFromPeft(await readPeftAdapter(binFolder));
    expect(plain.modules[0].rank).toBe(8);
    expect(sha256(plain.modules[0].loraB)).toBe(sha256(e.loraB));
  });

  it('writes an unchanged PEFT config back byte for byte', async () => {
    const folder = join(dir, 'verbatim');
    await mkdir(folder);
    const text = '{\n  "lora_alpha": 8,\n  "lora_dropout": 0.0,\n  "peft_type": "LORA",\n  "r": 4\n}';
    await writeFile(join(folder, 'adapter_config.json'), text);
    const w = await readLoralib(join(TORCH, 'loralib_roberta.bin'), { alpha: 8 });
    await writePeftAdapter(folder, { ...peftFromLora(w), config: JSON.parse(text) }, { configText: text });
    const read = await readPeftAdapter(folder);
    await writePeftAdapter(folder, read, { configText: read.configText });
    expect(await readFile(join(folder, 'adapter_config.json'), 'utf8')).toBe(text);
  });
});

describe('PEFT folder errors', () => {
  it('names the folder and the missing file', async () => {
    const empty = join(dir, 'empty');
    await mkdir(empty);
    const err = (await readPeftAdapter(empty).catch((e: unknown) => e)) as MissingEntryError;
    expect(err).toBeInstanceOf(MissingEntryError);
    expect(err.file).toBe(empty);
    await writeFile(join(empty, 'adapter_config.json'), '{"r": 4}');
    await expect(readPeftAdapter(empty)).rejects.toThrow(/neither adapter_model.safetensors nor adapter_model.bin/);
    await writeFile(join(empty, 'adapter_config.json'), '{"r": ');
    await expect(readPeftAdapter(empty)).rejects.toThrow(CorruptCheckpointError);
  });

  it('refuses DoRA and non-LoRA adapters when converting', () => {
    expect(() => loraFromPeft({ config: { peft_type: 'IA3' }, tensors: new Map(), metadata: {} })).toThrow(UnsupportedFormatError);
    expect(() => loraFromPeft({ config: { peft_type: 'LORA', use_dora: true }, tensors: new Map(), metadata: {} })).toThrow(/DoRA/);
  });

  it('leaves an existing adapter folder untouched when a write fails', async () => {
    const folder = join(dir, 'roberta-adapter');
    const before = await readFile(join(folder, 'adapter_model.safetensors'));
    const bad = { config: {}, metadata: {}, tensors: new Map([['base_model.model.x.lora_A.weight', { dtype: 'float32' as const, shape: [3], data: new Float32Array(2) }]]) };
    await expect(writePeftAdapter(folder, bad)).rejects.toThrow(/needs 3/);
    expect(await readFile(join(folder, 'adapter_model.safetensors'))).toEqual(before);
    expect((await readdir(folder)).sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors']);
  });
});

describe('missing paths', () => {
  it('a missing file or folder is a MissingEntryError naming it', async () => {
    await expect(readPeftAdapter(join(dir, 'nope'))).rejects.toThrow(MissingEntryError);
    const { openCheckpoint } = await import('./checkpoint.js');
    const err = (await openCheckpoint(join(dir, 'nope.bin')).catch((e: unknown) => e)) as MissingEntryError;
    expect(err).toBeInstanceOf(MissingEntryError);
    expect(err.file).toBe(join(dir, 'nope.bin'));
  });
});

describe('loralib training checkpoints', () => {
  it('takes model_state_dict out of a checkpoint that also holds optimizer state, and --lora-only drops the rest', async () => {
    const { loralibWeights } = await import('./loralib.js');
    const t = (n: number): HostTensor => ({ dtype: 'float32', shape: [n, 2], data: new Float32Array(n * 2) });
    const sd = new Map<string, HostTensor>([
      ['model_state_dict.module.h.0.q.lora_A', t(2)],
      ['model_state_dict.module.h.0.q.lora_B', { dtype: 'float32', shape: [3, 2], data: new Float32Array(6) }],
      ['model_state_dict.module.h.0.attn.bias', t(4)],
      ['optimizer_state_dict.state.0.exp_avg', t(2)],
    ]);
    const all = loralibWeights('ckpt.pt', sd, { alpha: 4 });
    expect(all.modules.map((m) => [m.path, m.rank])).toEqual([['h.0.q', 2]]);
    expect([...all.extra.keys()]).toEqual(['h.0.attn.bias']);
    expect([...loralibWeights('ckpt.pt', sd, { alpha: 4, loraOnly: true }).extra.keys()]).toEqual([]);
  });
});
