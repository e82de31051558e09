// microsoft/LoRA examples/NLU/deberta_v2_xxlarge_stsb.sh: fp16 there; the model preset gives rank 16, alpha 32, A ~ N(0, 0.02) (reference §4.3).
import { nluExperiment } from '../../defaults.js';

export default nluExperiment('deberta-v2-xxlarge/stsb', {
  task: 'stsb',
  model: 'deberta-v2-xxlarge',
  train: { lr: 0.0002, epochs: 10, batchSize: 4, maxSeqLength: 128, warmupSteps: 100, clsDropout: 0.2, weightDecay: 0.1, evalSteps: 50 },
  initFrom: 'deberta-v2-xxlarge/mnli',
  paper: 93.0,
});
