// microsoft/LoRA examples/NLU/deberta_v2_xxlarge_mnli.sh: fp16 there; the model preset gives rank 16, alpha 32, A ~ N(0, 0.02) (reference §4.3).
import { nluExperiment } from '../../defaults.js';

export default nluExperiment('deberta-v2-xxlarge/mnli', {
  task: 'mnli',
  model: 'deberta-v2-xxlarge',
  train: { lr: 0.0001, epochs: 5, batchSize: 8, maxSeqLength: 256, warmupSteps: 1000, clsDropout: 0.15, weightDecay: 0, evalSteps: 500 },
  paper: 91.9,
});
