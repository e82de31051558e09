// microsoft/LoRA examples/NLU/deberta_v2_xxlarge_mrpc.sh: fp16 there; the model preset gives rank 16, alpha 32, A ~ N(0, 0.02) (reference §4.3).
import { nluExperiment } from '../../defaults.js';

export default nluExperiment('deberta-v2-xxlarge/mrpc', {
  task: 'mrpc',
  model: 'deberta-v2-xxlarge',
  train: { lr: 0.0002, epochs: 30, batchSize: 32, maxSeqLength: 128, warmupSteps: 0, warmupRatio: 0.1, clsDropout: 0, weightDecay: 0.01, evalSteps: 10 },
  initFrom: 'deberta-v2-xxlarge/mnli',
  paper: 92.6,
});
