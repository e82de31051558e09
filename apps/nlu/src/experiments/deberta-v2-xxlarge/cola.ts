// microsoft/LoRA examples/NLU/deberta_v2_xxlarge_cola.sh: fp16 there; the model preset gives rank 16, alpha 32, A ~ N(0, 0.02) (reference §4.3).
import { nluExperiment } from '../../defaults.js';

export default nluExperiment('deberta-v2-xxlarge/cola', {
  task: 'cola',
  model: 'deberta-v2-xxlarge',
  train: { lr: 0.00013, epochs: 10, batchSize: 4, maxSeqLength: 64, warmupSteps: 100, clsDropout: 0.1, weightDecay: 0, evalSteps: 20 },
  paper: 72.4,
});
