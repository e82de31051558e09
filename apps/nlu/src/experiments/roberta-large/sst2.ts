// microsoft/LoRA examples/NLU/roberta_large_sst2.sh: rank 8, alpha 16, warmup ratio 0.06, weight decay 0.1 (reference §4.3).
import { nluExperiment } from '../../defaults.js';

export default nluExperiment('roberta-large/sst2', {
  task: 'sst2',
  model: 'roberta-large',
  train: { lr: 0.0004, epochs: 10, batchSize: 8, maxSeqLength: 512 },
  paper: 96.2,
});
