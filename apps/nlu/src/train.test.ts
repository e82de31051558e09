import '@tensorflow/tfjs';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualSeed } from '@lorats/core';
import { deriveSeed, readRunRecord } from '@lorats/experiment';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { GLUE } from './datasets/glue.js';
import { syntheticCorpus } from './datasets/synthetic-glue.js';
import { nluExperiment } from './defaults.js';
import { parseCommandLine } from './main.js';
import { loadAdapter, tinyRoberta } from './models.js';
import { adapterPath, median, predict, runSeed, scoreTask, taskData } from './train.js';

const ROBERTA_TINY = new URL('../../../packages/roberta/fixtures/roberta-tiny/', import.meta.url).pathname;
const SHARED_GLUE = new URL('../../../../shared/data/glue/', import.meta.url).pathname;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('scoring', () => {
  it('scores as datasets’ glue metric, on the paper’s ×100 scale', () => {
    expect(scoreTask(GLUE.rte, [[2, 1], [0, 3], [5, 1]], [0, 1, 1])).toEqual({ accuracy: (2 / 3) * 100 });
    const mrpc = scoreTask(GLUE.mrpc, [[0, 1], [1, 0], [0, 1], [0, 1]], [1, 0, 0, 1]);
    expect(mrpc.accuracy).toBeCloseTo(75, 10);
    expect(mrpc.f1).toBeCloseTo(80, 10);
    expect(scoreTask(GLUE.stsb, [[1], [2], [3]], [1, 2, 3]).pearson).toBeCloseTo(100, 10);
    expect(Object.keys(scoreTask(GLUE.cola, [[0, 1], [1, 0]], [1, 0]))).toEqual(['matthews']);
  });

  it('takes the median over seeds', () => {
    expect(median([3, 1, 2, 5, 4])).toBe(3);
    expect(median([1, 2, 3, 4])).toBe(2.5);
  });
});

describe('a tiny run end to end', () => {
  it('trains, writes a valid run record and an adapter that reloads to the same predictions', async () => {
    const results = mkdtempSync(join(tmpdir(), 'nlu-'));
    const base = nluExperiment('tiny/sst2', {
      task: 'sst2',
      model: 'tiny-roberta',
      train: { lr: 1e-2, epochs: 1, batchSize: 16, evalBatchSize: 32, maxSeqLength: 32, padToMaxLength: false },
      synthetic: { train: 32, dev: 16 },
      seeds: [0],
    });
    const record = await runSeed(base, 0, { resultsDir: results, backend: 'cpu', progress: false, log: () => undefined });
    const file = join(results, 'nlu', 'tiny', 'sst2', '0.json');
    expect(readRunRecord(file)).toEqual(record);
    expect(record.training?.steps).toBe(2);
    expect(record.training?.trainableParameters).toBeGreaterThan(0);
    expect(record.metrics.accuracy).toBeGreaterThanOrEqual(0);
    expect(existsSync(join(results, 'nlu', 'tiny', 'sst2', record.artifacts.lossCurve))).toBe(true);
    const adapterDir = adapterPath(results, 'tiny/sst2', 0);
    expect(JSON.parse(readFileSync(join(adapterDir, 'adapter_config.json'), 'utf8'))).toMatchObject({ peft_type: 'LORA', r: 8, lora_alpha: 16, modules_to_save: ['classifier'] });

    // The same random base (same seed), plus the saved adapter and head, reproduces the final evaluation.
    manualSeed(deriveSeed(0, 'init'));
    const again = tinyRoberta(syntheticCorpus(), 2);
    await loadAdapter(again, adapterDir);
    const { data } = taskData(base, { resultsDir: results });
    const dev = { inputs: data.dev.dev.map((e) => again.tokenizer.encodeInput(e.a, e.b, { maxLength: 32 })), labels: data.dev.dev.map((e) => e.label) };
    const metrics = scoreTask(GLUE.sst2, await predict(again, dev, 32), dev.labels);
    expect(metrics.accuracy).toBeCloseTo(record.metrics.last_accuracy, 6);
  });

  it.skipIf(!existsSync(join(SHARED_GLUE, 'RTE')))('trains RoBERTa-tiny on the real RTE and evaluates on its dev set', async () => {
    const results = mkdtempSync(join(tmpdir(), 'nlu-rte-'));
    const e = nluExperiment('tiny/rte', {
      task: 'rte',
      model: 'tiny-roberta',
      train: { lr: 1e-3, epochs: 1, batchSize: 16, evalBatchSize: 139, maxSeqLength: 32, padToMaxLength: false, maxExamples: 32 },
      seeds: [0],
    });
    const record = await runSeed(e, 0, { modelPath: ROBERTA_TINY, dataPath: SHARED_GLUE, resultsDir: results, backend: 'cpu', progress: false, log: () => undefined });
    expect(record.inputs).toMatchObject({ weights: 'pretrained', data: 'full' });
    expect(record.training?.steps).toBe(2);
    expect(Number.isFinite(record.training?.finalLoss)).toBe(true);
    expect(record.metrics.accuracy).toBeGreaterThan(0);
    expect(record.metrics.accuracy).toBeLessThan(100);
  });
});

const DEBERTA_TINY = new URL('../../../packages/deberta-v2/fixtures/', import.meta.url).pathname;

describe('other paths through the runner', () => {
  it('evaluates a PEFT adapter without training (eval-only, MNLI matched and mismatched)', async () => {
    const results = mkdtempSync(join(tmpdir(), 'nlu-eval-'));
    const e = nluExperiment('tiny/mnli', { task: 'mnli', model: 'tiny-roberta', synthetic: { train: 8, dev: 16 }, seeds: [0], train: { padToMaxLength: false, maxSeqLength: 64 } });
    const record = await runSeed(e, 0, {
      modelPath: `${ROBERTA_TINY}`,
      adapter: new URL('../../../packages/roberta/fixtures/peft-adapter', import.meta.url).pathname,
      resultsDir: results,
      backend: 'cpu',
      progress: false,
      log: () => undefined,
    });
    expect(record.training).toBeUndefined();
    expect(Object.keys(record.splits ?? {})).toEqual(['matched', 'mismatched']);
    expect(record.metrics.accuracy_mm).toBe(record.splits?.mismatched.accuracy);
    expect(record.config.evalOnlyAdapter).toMatch(/peft-adapter$/);
  });

  it('trains DeBERTa-v2 with A ~ N(0, 0.02) and saves its pooler with the adapter', async () => {
    const results = mkdtempSync(join(tmpdir(), 'nlu-deberta-'));
    const e = nluExperiment('deberta-v2-xxlarge/rte', {
      task: 'rte',
      model: 'deberta-v2-xxlarge',
      lora: { rank: 4, alpha: 8 },
      train: { lr: 1e-3, epochs: 1, batchSize: 8, evalBatchSize: 8, maxSeqLength: 24, padToMaxLength: false, warmupSteps: 0, evalSteps: 1 },
      synthetic: { train: 16, dev: 8 },
      seeds: [0],
    });
    const record = await runSeed(e, 0, { modelPath: `${DEBERTA_TINY}deberta-tiny`, resultsDir: results, backend: 'cpu', progress: false, log: () => undefined });
    expect(record.training?.steps).toBe(2);
    expect(record.training?.validation).toHaveLength(2);
    const config = JSON.parse(readFileSync(join(adapterPath(results, 'deberta-v2-xxlarge/rte', 0), 'adapter_config.json'), 'utf8'));
    expect(config).toMatchObject({ r: 4, lora_alpha: 8, target_modules: ['query_proj', 'value_proj'] });
    expect([...config.modules_to_save].sort()).toEqual(['classifier', 'pooler']);
  });
});

describe('command line', () => {
  it('picks the experiment, applies typed overrides and rejects unknown options', () => {
    const { experiments, options } = parseCommandLine(['rte', '--train.lr=1e-3', '--seeds', '1,2', '--results', '/tmp/r']);
    expect(experiments.map((e) => e.id)).toEqual(['tiny/rte']);
    expect(experiments[0].config.train.lr).toBe(1e-3);
    expect(experiments[0].config.seeds).toEqual([1, 2]);
    expect(options.resultsDir).toBe('/tmp/r');
    expect(parseCommandLine(['all']).experiments.map((e) => e.config.task)).toEqual(['mnli', 'sst2', 'cola', 'qnli', 'qqp', 'mrpc', 'rte', 'stsb']);
    expect(() => parseCommandLine(['rte', '--bogus'])).toThrow(/bogus/);
    expect(() => parseCommandLine(['rte', '--train.nope=1'])).toThrow(/unknown key/);
    expect(() => parseCommandLine(['rte', '--train.lr=fast'])).toThrow(/expected a number/);
    expect(() => parseCommandLine(['squad'])).toThrow(/unknown GLUE task/);
    expect(() => parseCommandLine(['rte', '--model', '/nonexistent'])).toThrow(/no such file/);
  });

  it('runs eval-only adapters on one seed without MNLI init', () => {
    const { experiments } = parseCommandLine(['mrpc', '--adapter', ROBERTA_TINY]);
    expect(experiments[0].config.seeds).toEqual([0]);
    expect(experiments[0].config.initFrom).toBeNull();
  });
});
