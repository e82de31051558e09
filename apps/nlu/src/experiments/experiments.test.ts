import { describe, expect, it } from 'vitest';
import { GLUE_TASKS } from '../datasets/glue.js';
import { EXPERIMENTS } from './index.js';

describe('experiments', () => {
  it('has every task for every model, each id being its file path', () => {
    for (const model of ['roberta-base', 'roberta-large', 'deberta-v2-xxlarge', 'tiny']) {
      for (const task of GLUE_TASKS) {
        const e = EXPERIMENTS.get(`${model}/${task}`);
        expect(e, `${model}/${task}`).toBeDefined();
        expect(e?.config.task).toBe(task);
      }
    }
  });

  it('starts MRPC, RTE and STS-B from the same model’s MNLI adapter', () => {
    for (const [id, e] of EXPERIMENTS) {
      const [model, task] = id.split('/');
      expect(e.config.initFrom, id).toBe(['mrpc', 'rte', 'stsb'].includes(task) ? `${model}/mnli` : null);
      if (e.config.initFrom) expect(EXPERIMENTS.has(e.config.initFrom)).toBe(true);
    }
  });

  it('carries examples/NLU’s settings (reference §4.3)', () => {
    const rte = EXPERIMENTS.get('roberta-base/rte')?.config;
    expect(rte?.train).toMatchObject({ lr: 5e-4, epochs: 80, batchSize: 32, maxSeqLength: 512, warmupRatio: 0.06, weightDecay: 0.1, clipNorm: 1 });
    expect(rte?.lora).toMatchObject({ rank: 8, alpha: 16, targets: ['query', 'value'], mergeWeights: true, initStd: null });
    const large = EXPERIMENTS.get('roberta-large/qnli')?.config;
    expect(large?.train).toMatchObject({ lr: 2e-4, epochs: 10, batchSize: 4, maxSeqLength: 512 });
    const mnli = EXPERIMENTS.get('deberta-v2-xxlarge/mnli')?.config;
    expect(mnli?.lora).toMatchObject({ rank: 16, alpha: 32, targets: ['query_proj', 'value_proj'], mergeWeights: false, initStd: 0.02 });
    expect(mnli?.train).toMatchObject({ lr: 1e-4, epochs: 5, batchSize: 8, maxSeqLength: 256, warmupSteps: 1000, clsDropout: 0.15, weightDecay: 0, evalSteps: 500 });
    expect(EXPERIMENTS.get('deberta-v2-xxlarge/mrpc')?.config.train).toMatchObject({ warmupSteps: 0, warmupRatio: 0.1, batchSize: 32 });
    expect(EXPERIMENTS.get('roberta-base/cola')?.config.paper).toBe(63.4);
  });

  it('uses five seeds, as the README’s medians', () => {
    for (const [id, e] of EXPERIMENTS) expect(e.config.seeds, id).toEqual([0, 1, 2, 3, 4]);
  });
});
