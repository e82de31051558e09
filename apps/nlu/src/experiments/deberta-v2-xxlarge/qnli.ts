// microsoft/LoRA examples/NLU/deberta_v2_xxlarge_qnli.sh: fp16 there; the model preset gives rank 16, alpha 32, A ~ N(0, 0.02) (reference §4.3).
import { nluExperiment } from '../../defaults.js';

export default nluExperiment('deberta-v2-xxlarge/qnli', {
  task: 'qnli',
  model: 'deberta-v2-xxlarge',
  train: { lr: 0.0001, epochs: 8, batchSize: 6, maxSeqLength: 512, warmupSteps: 500, clsDropout: 0.1, weightDecay: 0.01, evalSteps: 500 },
  paper: 96.0,
});
