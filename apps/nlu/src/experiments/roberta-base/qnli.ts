// microsoft/LoRA examples/NLU/roberta_base_qnli.sh: rank 8, alpha 16, warmup ratio 0.06, weight decay 0.1 (reference §4.3).
import { nluExperiment } from '../../defaults.js';

export default nluExperiment('roberta-base/qnli', {
  task: 'qnli',
  model: 'roberta-base',
  train: { lr: 0.0004, epochs: 25, batchSize: 32, maxSeqLength: 512 },
  paper: 93.3,
});
