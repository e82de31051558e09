// microsoft/LoRA examples/NLU/deberta_v2_xxlarge_sst2.sh: fp16 there; the model preset gives rank 16, alpha 32, A ~ N(0, 0.02) (reference §4.3).
import { nluExperiment } from '../../defaults.js';

export default nluExperiment('deberta-v2-xxlarge/sst2', {
  task: 'sst2',
  model: 'deberta-v2-xxlarge',
  train: { lr: 6e-05, epochs: 16, batchSize: 8, maxSeqLength: 128, warmupSteps: 1000, clsDropout: 0, weightDecay: 0.01, evalSteps: 100 },
  paper: 96.9,
});
