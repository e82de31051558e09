// DART, GPT-2 Large: the Medium settings on the Large model (paper Appendix D).
import { nlgExperiment } from '../../src/config.js';

export default nlgExperiment({
  task: 'dart',
  model: { name: 'gpt2-large', nEmbd: 1280, nLayer: 36, nHead: 20 },
  lora: { dropout: 0 },
  train: { weightDecay: 0, labelSmoothing: 0 },
  evaluate: { refNum: 6, tokenize: true, lower: true },
  paper: { table: 'dart', row: 'GPT-2 L (LoRA)' },
});
