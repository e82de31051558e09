// microsoft/LoRA examples/NLU/roberta_base_rte.sh: rank 8, alpha 16, warmup ratio 0.06, weight decay 0.1 (reference §4.3).
import { nluExperiment } from '../../defaults.js';

export default nluExperiment('roberta-base/rte', {
  task: 'rte',
  model: 'roberta-base',
  train: { lr: 0.0005, epochs: 80, batchSize: 32, maxSeqLength: 512 },
  initFrom: 'roberta-base/mnli',
  paper: 86.6,
});
