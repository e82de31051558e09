// microsoft/LoRA examples/NLU/roberta_base_mnli.sh: rank 8, alpha 16, warmup ratio 0.06, weight decay 0.1 (reference §4.3).
import { nluExperiment } from '../../defaults.js';

export default nluExperiment('roberta-base/mnli', {
  task: 'mnli',
  model: 'roberta-base',
  train: { lr: 0.0005, epochs: 30, batchSize: 16, maxSeqLength: 512 },
  paper: 87.5,
});
