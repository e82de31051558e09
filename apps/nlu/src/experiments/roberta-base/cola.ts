// microsoft/LoRA examples/NLU/roberta_base_cola.sh: rank 8, alpha 16, warmup ratio 0.06, weight decay 0.1 (reference §4.3).
import { nluExperiment } from '../../defaults.js';

export default nluExperiment('roberta-base/cola', {
  task: 'cola',
  model: 'roberta-base',
  train: { lr: 0.0004, epochs: 80, batchSize: 32, maxSeqLength: 512 },
  paper: 63.4,
});
