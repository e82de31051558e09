// microsoft/LoRA examples/NLU/roberta_large_mrpc.sh: rank 8, alpha 16, warmup ratio 0.06, weight decay 0.1 (reference §4.3).
import { nluExperiment } from '../../defaults.js';

export default nluExperiment('roberta-large/mrpc', {
  task: 'mrpc',
  model: 'roberta-large',
  train: { lr: 0.0003, epochs: 20, batchSize: 4, maxSeqLength: 512 },
  initFrom: 'roberta-large/mnli',
  paper: 90.9,
});
