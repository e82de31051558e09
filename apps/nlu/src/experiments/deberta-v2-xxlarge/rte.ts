// microsoft/LoRA examples/NLU/deberta_v2_xxlarge_rte.sh: fp16 there; the model preset gives rank 16, alpha 32, A ~ N(0, 0.02) (reference §4.3).
import { nluExperiment } from '../../defaults.js';

export default nluExperiment('deberta-v2-xxlarge/rte', {
  task: 'rte',
  model: 'deberta-v2-xxlarge',
  train: { lr: 0.00026, epochs: 11, batchSize: 4, maxSeqLength: 320, warmupSteps: 50, clsDropout: 0.2, weightDecay: 0.01, evalSteps: 20 },
  initFrom: 'deberta-v2-xxlarge/mnli',
  paper: 94.9,
});
