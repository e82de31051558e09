// microsoft/LoRA examples/NLU/roberta_large_qnli.sh: rank 8, alpha 16, warmup ratio 0.06, weight decay 0.1 (reference §4.3).
import { nluExperiment } from '../../defaults.js';

export default nluExperiment('roberta-large/qnli', {
  task: 'qnli',
  model: 'roberta-large',
  train: { lr: 0.0002, epochs: 10, batchSize: 4, maxSeqLength: 512 },
  paper: 94.9,
});
