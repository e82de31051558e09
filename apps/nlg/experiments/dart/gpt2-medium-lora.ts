// DART, GPT-2 Medium: paper Appendix D (Table 11): no weight decay, no LoRA dropout, no label smoothing; length
// penalty 0.8; DART is scored with BLEU/METEOR/TER on 6 tokenised, lowercased references (gpt2_decode.py).
import { nlgExperiment } from '../../src/config.js';

export default nlgExperiment({
  task: 'dart',
  lora: { dropout: 0 },
  train: { weightDecay: 0, labelSmoothing: 0 },
  evaluate: { refNum: 6, tokenize: true, lower: true },
  paper: { table: 'dart', row: 'GPT-2 M (LoRA)' },
});
