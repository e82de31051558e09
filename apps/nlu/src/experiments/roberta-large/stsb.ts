// microsoft/LoRA examples/NLU/roberta_large_stsb.sh: rank 8, alpha 16, warmup ratio 0.06, weight decay 0.1 (reference §4.3).
import { nluExperiment } from '../../defaults.js';

export default nluExperiment('roberta-large/stsb', {
  task: 'stsb',
  model: 'roberta-large',
  train: { lr: 0.0003, epochs: 10, batchSize: 4, maxSeqLength: 128 },
  initFrom: 'roberta-large/mnli',
  paper: 92.6,
});
