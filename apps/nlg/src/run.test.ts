// A tiny end-to-end run (synthetic data, pretraining stand-in, LoRA training, beam decoding, metrics, record) and the
// resume guarantee at the app level, with LoRA dropout on.
import '@tensorflow/tfjs';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualSeed } from '@lorats/core';
import { defineExperiment, readRunRecord } from '@lorats/experiment';
import { Gpt2LMModel, initGpt2Weights } from '@lorats/gpt2';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { NLG_DEFAULTS, type NlgConfig } from './config.js';
import { syntheticData } from './data.js';
import { encodeExamples } from './datasets/encode.js';
import { runNlg } from './run.js';
import { trainNlg } from './train.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const MICRO = defineExperiment<NlgConfig>(
  NLG_DEFAULTS,
  {
    model: { name: 'micro', nEmbd: 32, nLayer: 1, nHead: 2, nPositions: 64 },
    lora: { rank: 4, alpha: 8, dropout: 0.1 },
    train: { maxSteps: 4, batchSize: 4, validBatchSize: 4, maxSeqLength: 64, warmupSteps: 1, lr: 0.01, logEvery: 2, evalEvery: 2, saveEvery: 2 },
    decode: { beam: 2, maxNewTokens: 6, batchContexts: 8 },
    synthetic: { trainMrs: 12, validMrs: 2, testMrs: 3, vocabSize: 300, dataSeed: 3, corpusMrs: 8, pretrainSteps: 2, pretrainLr: 0.01, unseenTypes: [] },
    seeds: [1],
    paper: null,
  },
  'e2e/micro',
);

describe('runNlg', () => {
  it('trains, decodes each distinct test context once, scores and writes a valid record with its loss curve', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nlg-run-'));
    const backend = { name: 'cpu', device: 'cpu', description: 'cpu' };
    const [record] = await runNlg({ experiment: MICRO, resultsDir: join(dir, 'results'), runsDir: join(dir, 'runs'), resume: false, backend, progress: false, log: () => {} });
    const file = join(dir, 'results', 'nlg', 'e2e', 'micro', '1.json');
    expect(readRunRecord(file)).toEqual(record);
    expect(record.status).toBe('complete');
    expect(record.inputs).toMatchObject({ model: 'micro', weights: 'pretrained', data: 'synthetic' });
    expect(record.training?.steps).toBe(4);
    expect(record.training?.lossCurve.map(([s]) => s)).toEqual([2, 4]);
    expect(record.training?.validation?.map(([s]) => s)).toEqual([2, 4]);
    expect(record.training?.trainableParameters).toBe(1 * (8 * 32 + 64 * 4));
    // A micro model's outputs may be too short for NIST (the scorer then explains in the notes).
    if (Object.keys(record.metrics).length > 0) expect(Object.keys(record.metrics).sort()).toEqual(['bleu', 'cider', 'meteor', 'nist', 'rouge_l']);
    else expect(record.notes?.[0]).toMatch(/metrics undefined/);
    expect(readFileSync(join(dir, 'results', 'nlg', 'e2e', 'micro', record.artifacts.lossCurve), 'utf8')).toContain('<polyline');
    expect(readFileSync(join(dir, 'results', 'nlg', 'e2e', 'micro', record.artifacts.predictions), 'utf8').split('\n').filter(Boolean)).toHaveLength(3);
    const runDir = join(dir, 'runs', 'nlg', 'e2e', 'micro', '1');
    expect(readdirSync(join(runDir, 'checkpoints')).sort()).toEqual(['checkpoint-2.safetensors', 'checkpoint-4.safetensors']);
    expect(existsSync(join(runDir, 'adapter.safetensors'))).toBe(true);
    expect(readFileSync(join(runDir, 'e2e_ref.txt'), 'utf8').split('\n\n').filter(Boolean)).toHaveLength(3);
    expect(readdirSync(join(dir, 'runs', 'nlg', 'base'))).toHaveLength(1);
  });

  it('writes a failed record that says why when the data is missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nlg-fail-'));
    const backend = { name: 'cpu', device: 'cpu', description: 'cpu' };
    await expect(
      runNlg({ experiment: MICRO, dataPath: join(dir, 'nope'), modelPath: dir, resultsDir: dir, runsDir: dir, resume: false, backend, progress: false, log: () => {} }),
    ).rejects.toThrow(/nope: not a folder/);
    const record = readRunRecord(join(dir, 'nlg', 'e2e', 'micro', '1.json'));
    expect(record.status).toBe('failed');
    expect(record.error).toMatch(/not a folder/);
  });
});

describe('trainNlg', () => {
  it('resumes from the last checkpoint to the weights of an uninterrupted run (LoRA dropout on)', async () => {
    const { splits, tokenizer } = syntheticData('e2e', MICRO.config.synthetic!);
    const train = encodeExamples(tokenizer, splits.train);
    const valid = encodeExamples(tokenizer, splits.valid);
    const build = () => {
      manualSeed(9);
      const model = new Gpt2LMModel({ vocabSize: tokenizer.vocabSize, nPositions: 64, nEmbd: 32, nLayer: 1, nHead: 2, layerNormEpsilon: 1e-5 }, MICRO.config.lora);
      initGpt2Weights(model);
      return model;
    };
    const lora = (m: Gpt2LMModel) => m.namedParameters().filter(([k]) => k.includes('lora_')).map(([, v]) => Array.from(v.dataSync()));
    const dirA = mkdtempSync(join(tmpdir(), 'nlg-a-'));
    const a = build();
    const full = await trainNlg({ model: a, config: MICRO.config, train, valid, seed: 1, checkpointDir: dirA, resume: false, progress: false });
    const dirB = mkdtempSync(join(tmpdir(), 'nlg-b-'));
    const b = build();
    await trainNlg({ model: b, config: MICRO.config, train, valid, seed: 1, checkpointDir: dirB, resume: false, progress: false });
    rmSync(join(dirB, 'checkpoint-4.safetensors'));
    b.dispose();
    const c = build();
    const resumed = await trainNlg({ model: c, config: MICRO.config, train, valid, seed: 1, checkpointDir: dirB, resume: true, progress: false });
    expect(resumed.resumedFrom).toBe(2);
    expect(lora(c)).toEqual(lora(a));
    expect(resumed.lossCurve).toEqual(full.lossCurve);
    a.dispose();
    c.dispose();
  });
});
