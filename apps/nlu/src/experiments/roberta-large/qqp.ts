// microsoft/LoRA examples/NLU/roberta_large_qqp.sh: rank 8, alpha 16, warmup ratio 0.06, weight decay 0.1 (reference §4.3).
import { nluExperiment } from '../../defaults.js';

export default nluExperiment('roberta-large/qqp', {
  task: 'qqp',
  model: 'roberta-large',
  train: { lr: 0.0003, epochs: 20, batchSize: 4, maxSeqLength: 512 },
  paper: 91.6,
});
