import '@tensorflow/tfjs';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { writeSafetensors, type HostTensor } from '@lorats/checkpoints';
import { beforeAll, describe, expect, it } from 'vitest';
import { setupTestBackend } from '@lorats/testing';
import { applyGpt2Adapter, gpt2Key, inferGpt2Config, loadGpt2, readGpt2Adapter, readGpt2Weights } from './load-checkpoint.js';
import { Gpt2LMModel } from './model.js';
import { FIXTURES, loadGenerated, readFixture, toConfig, type PyConfig } from '../test/fixtures.js';

beforeAll(async () => {
  await setupTestBackend(); // cpu or torch: the vitest project says (vitest.shared.ts onBothBackends)
});

interface Tiny {
  config: PyConfig;
  ids: number[][];
  logitsBase: number[];
  logitsLora: number[];
}
const tiny = readFixture<{ tiny: Tiny }>('reference.json').tiny;
const config = toConfig(tiny.config);

function logitsOf(model: Gpt2LMModel): Float32Array {
  model.eval();
  const ids = tf.tensor2d(tiny.ids, undefined, 'int32');
  const out = model.forward(ids);
  const data = out.dataSync() as Float32Array;
  tf.dispose([ids, out]);
  return data;
}

function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-4) {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  expect(m).toBeLessThan(tol);
}

describe('gpt2Key', () => {
  it.each([
    ['transformer.h.0.attn.c_attn.weight', 'transformer.h.0.attn.c_attn.weight'],
    ['h.0.attn.c_attn.weight', 'transformer.h.0.attn.c_attn.weight'],
    ['module.transformer.h.3.attn.c_attn.lora_A', 'transformer.h.3.attn.c_attn.lora_A'],
    ['model_state_dict.module.transformer.h.3.attn.c_attn.lora_B', 'transformer.h.3.attn.c_attn.lora_B'],
    ['module.transformer.h.1.ln_1.g', 'transformer.h.1.ln_1.weight'],
    ['h.1.mlp.c_fc.w', 'transformer.h.1.mlp.c_fc.weight'],
    ['h.1.mlp.c_fc.b', 'transformer.h.1.mlp.c_fc.bias'],
    ['base_model.model.transformer.wte.weight', 'transformer.wte.weight'],
    ['lm_head.weight', undefined],
    ['h.0.attn.bias', undefined],
    ['transformer.h.0.attn.masked_bias', undefined],
  ])('%s → %s', (key, want) => {
    expect(gpt2Key(key)).toBe(want);
  });
});

describe('loading GPT-2 weights', () => {
  it('loads a safetensors file (Conv1D layouts, tied head) to the reference logits', async () => {
    const { model } = await loadGpt2(join(FIXTURES, 'tiny-base.safetensors'), { config });
    expectClose(logitsOf(model), tiny.logitsBase);
    model.dispose();
  });

  it('loads a legacy torch.save file with TF-style .g/.b/.w names', async () => {
    const { model } = await loadGpt2(join(FIXTURES, 'tiny-old-keys.bin'), { config });
    expectClose(logitsOf(model), tiny.logitsBase);
    model.dispose();
  });

  it('puts a loralib NLG adapter ({model_state_dict: {module.transformer…lora_A}}) on top of a base', async () => {
    const { model } = await loadGpt2(join(FIXTURES, 'tiny-base.safetensors'), { config });
    const { file, weights } = await readGpt2Adapter(join(FIXTURES, 'loralib-tiny.pt'), 8);
    expect(weights.modules.map((m) => [m.path, m.rank, m.enableLora])).toEqual([
      ['transformer.h.0.attn.c_attn', 4, [true, false, true]],
      ['transformer.h.1.attn.c_attn', 4, [true, false, true]],
    ]);
    applyGpt2Adapter(model, weights, file);
    expectClose(logitsOf(model), tiny.logitsLora);
    model.dispose();
  });

  it('infers sizes from shapes only for GPT-2 widths, and names the file otherwise', async () => {
    const { tensors } = await readGpt2Weights(join(FIXTURES, 'tiny-base.safetensors'));
    expect(() => inferGpt2Config(tensors, 'x.safetensors')).toThrow('x.safetensors: width 32 is not a GPT-2 size');
    const wide = new Map<string, HostTensor>([
      ['wte.weight', { dtype: 'float32', shape: [50257, 1024], data: new Float32Array(0) }],
      ['wpe.weight', { dtype: 'float32', shape: [1024, 1024], data: new Float32Array(0) }],
      ['h.23.ln_1.g', { dtype: 'float32', shape: [1024], data: new Float32Array(0) }],
    ]);
    expect(inferGpt2Config(wide, 'm.bin')).toEqual({ vocabSize: 50257, nPositions: 1024, nEmbd: 1024, nLayer: 24, nHead: 16, layerNormEpsilon: 1e-5 });
  });

  it('rejects missing, unexpected and misshapen weights, naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gpt2-'));
    const { tensors } = await readGpt2Weights(join(FIXTURES, 'tiny-base.safetensors'));
    const without = new Map(tensors);
    without.delete('h.1.mlp.c_fc.weight');
    await writeSafetensors(join(dir, 'missing.safetensors'), without);
    await expect(loadGpt2(join(dir, 'missing.safetensors'), { config })).rejects.toThrow(/missing\.safetensors: missing GPT-2 weights: transformer\.h\.1\.mlp\.c_fc\.weight/);
    const extra = new Map(tensors);
    extra.set('h.9.attn.c_attn.weight', tensors.get('h.0.attn.c_attn.weight')!);
    await writeSafetensors(join(dir, 'extra.safetensors'), extra);
    await expect(loadGpt2(join(dir, 'extra.safetensors'), { config })).rejects.toThrow(/extra\.safetensors: tensors the GPT-2 model does not have: transformer\.h\.9/);
    const bad = new Map(tensors);
    bad.set('h.0.mlp.c_fc.bias', { dtype: 'float32', shape: [3], data: new Float32Array(3) });
    await writeSafetensors(join(dir, 'bad.safetensors'), bad);
    await expect(loadGpt2(join(dir, 'bad.safetensors'), { config })).rejects.toThrow(/bad\.safetensors: .*h\.0\.mlp\.c_fc\.bias/);
    writeFileSync(join(dir, 'corrupt.safetensors'), 'not a checkpoint');
    await expect(loadGpt2(join(dir, 'corrupt.safetensors'), { config })).rejects.toThrow(/corrupt\.safetensors/);
    await expect(loadGpt2(join(dir, 'nothing-here'))).rejects.toThrow(/nothing-here: no such file or folder/);
  });

  it('asks for alpha when a loralib file is given without it', async () => {
    await expect(readGpt2Adapter(join(FIXTURES, 'loralib-tiny.pt'))).rejects.toThrow(/does not store alpha/);
  });
});

// Files written by transformers/peft on the GPU machine (`generate.py OUT --hf`); skipped until they are copied here.
const HF = existsSync(join(FIXTURES, 'hf.json'));
describe.skipIf(!HF)('parity with Hugging Face transformers and peft', () => {
  interface HfFixture {
    tiny: { logitsBase: number[]; logitsLoralib: number[]; logitsPeft: number[] };
    medium: { logitsLoralib: number[] };
  }
  const hf = HF ? readFixture<HfFixture>('hf.json') : undefined;

  it('loads an HF folder (model.safetensors) and a pytorch_model.bin folder to transformers’ logits', async () => {
    for (const folder of ['hf-tiny', 'hf-tiny-bin']) {
      const { model, config: c } = await loadGpt2(join(FIXTURES, folder));
      expect(c).toEqual(config);
      expectClose(logitsOf(model), hf!.tiny.logitsBase);
      model.dispose();
    }
  });

  it('matches transformers with the loralib adapter merged by hand, and peft with a PEFT adapter', async () => {
    const a = await loadGpt2(join(FIXTURES, 'hf-tiny'));
    const loralib = await readGpt2Adapter(join(FIXTURES, 'loralib-tiny.pt'), 8);
    applyGpt2Adapter(a.model, loralib.weights, loralib.file);
    expectClose(logitsOf(a.model), hf!.tiny.logitsLoralib);
    a.model.dispose();
    const b = await loadGpt2(join(FIXTURES, 'hf-tiny'));
    const peft = await readGpt2Adapter(join(FIXTURES, 'peft-tiny'));
    applyGpt2Adapter(b.model, peft.weights, peft.file);
    expectClose(logitsOf(b.model), hf!.tiny.logitsPeft);
    b.model.dispose();
  });

  it('matches transformers on the GPT-2 Medium-width slice with the paper LoRA', () => {
    const m = readFixture<{ medium: { config: PyConfig; seed: number; lora: { rank: number; alpha: number }; ids: number[][] } }>('reference.json').medium;
    const model = new Gpt2LMModel(toConfig(m.config), { ...m.lora, dropout: 0 });
    loadGenerated(model, m.seed, m.lora.rank);
    model.eval();
    const ids = tf.tensor2d(m.ids, undefined, 'int32');
    const out = model.forward(ids);
    expectClose(out.dataSync(), hf!.medium.logitsLoralib);
    tf.dispose([ids, out]);
    model.dispose();
  });
});
