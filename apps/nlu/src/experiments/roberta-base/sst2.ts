// microsoft/LoRA examples/NLU/roberta_base_sst2.sh: rank 8, alpha 16, warmup ratio 0.06, weight decay 0.1 (reference §4.3).
import { nluExperiment } from '../../defaults.js';

export default nluExperiment('roberta-base/sst2', {
  task: 'sst2',
  model: 'roberta-base',
  train: { lr: 0.0005, epochs: 60, batchSize: 16, maxSeqLength: 512 },
  paper: 95.1,
});
