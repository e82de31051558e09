// microsoft/LoRA examples/NLU/roberta_base_stsb.sh: rank 8, alpha 16, warmup ratio 0.06, weight decay 0.1 (reference §4.3).
import { nluExperiment } from '../../defaults.js';

export default nluExperiment('roberta-base/stsb', {
  task: 'stsb',
  model: 'roberta-base',
  train: { lr: 0.0004, epochs: 40, batchSize: 16, maxSeqLength: 512 },
  initFrom: 'roberta-base/mnli',
  paper: 91.5,
});
