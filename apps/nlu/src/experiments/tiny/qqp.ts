// The embedded default: a random tiny RoBERTa on synthetic data in GLUE's layout, minutes on 2 CPU cores (dynamic
// padding and a high learning rate keep it short; the paper's settings are in roberta-base/ and the others).
import { nluExperiment } from '../../defaults.js';

export default nluExperiment('tiny/qqp', {
  task: 'qqp',
  model: 'tiny-roberta',
  train: { lr: 1e-2, epochs: 6, batchSize: 32, evalBatchSize: 64, maxSeqLength: 48, padToMaxLength: false },
  synthetic: { train: 128, dev: 64 },
});
