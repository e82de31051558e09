// Every experiment file resolves against the defaults, and the paper's runs carry the reference hyper-parameters
// (microsoft/LoRA examples/NLG/README.md's E2E command; paper Appendix D for DART and WebNLG; reference §2.6–2.8).
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadExperiment } from './main.js';

const DIR = fileURLToPath(new URL('../experiments/', import.meta.url));
const IDS = readdirSync(DIR).flatMap((task) => readdirSync(`${DIR}${task}`).map((f) => `${task}/${f.replace(/\.ts$/, '')}`));

describe('experiments', () => {
  it.each(IDS)('%s loads and is for the data set of its folder', async (id) => {
    const e = await loadExperiment(id);
    expect(e.id).toBe(id);
    expect(e.config.task).toBe(id.split('/')[0]);
    expect(e.config.seeds.length).toBeGreaterThan(0);
  });

  it('E2E / GPT-2 M is the README command', async () => {
    const c = (await loadExperiment('e2e/gpt2-medium-lora')).config;
    expect(c.model).toMatchObject({ nEmbd: 1024, nLayer: 24, nHead: 16 });
    expect(c.lora).toEqual({ rank: 4, alpha: 32, dropout: 0.1 });
    expect(c.train).toMatchObject({
      lr: 0.0002, weightDecay: 0.01, betas: [0.9, 0.999], eps: 1e-6, correctBias: true, epochs: 5, warmupSteps: 500,
      schedule: 'linear', batchSize: 8, maxSeqLength: 512, labelSmoothing: 0.1, clip: 0, objective: 'clm',
    });
    expect(c.decode).toMatchObject({ beam: 10, maxNewTokens: 64, lengthPenalty: 0.8, noRepeatNgramSize: 4, repetitionPenalty: 1, stopAtBlankLine: true });
    expect(c.seeds).toEqual([110, 111, 112]);
    expect(c.synthetic).toBeNull();
  });

  it.each(['dart/gpt2-medium-lora', 'dart/gpt2-large-lora'])('%s has no weight decay, LoRA dropout or label smoothing', async (id) => {
    const c = (await loadExperiment(id)).config;
    expect([c.train.weightDecay, c.lora.dropout, c.train.labelSmoothing]).toEqual([0, 0, 0]);
    expect(c.evaluate).toEqual({ refNum: 6, tokenize: true, lower: true });
  });

  it.each(['e2e', 'dart', 'webnlg'])('%s/gpt2-large-lora is GPT-2 L with the Medium recipe', async (task) => {
    const large = (await loadExperiment(`${task}/gpt2-large-lora`)).config;
    const medium = (await loadExperiment(`${task}/gpt2-medium-lora`)).config;
    expect(large.model).toMatchObject({ nEmbd: 1280, nLayer: 36, nHead: 20 });
    expect({ ...large, model: medium.model, paper: medium.paper }).toEqual(medium);
  });
});
