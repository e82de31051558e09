// microsoft/LoRA examples/NLU/deberta_v2_xxlarge_qqp.sh: fp16 there; the model preset gives rank 16, alpha 32, A ~ N(0, 0.02) (reference §4.3).
import { nluExperiment } from '../../defaults.js';

export default nluExperiment('deberta-v2-xxlarge/qqp', {
  task: 'qqp',
  model: 'deberta-v2-xxlarge',
  train: { lr: 0.0001, epochs: 11, batchSize: 8, maxSeqLength: 320, warmupSteps: 10000, clsDropout: 0.2, weightDecay: 0.01, evalSteps: 500 },
  paper: 92.9,
});
