// WebNLG, GPT-2 Medium: paper Appendix D (Table 11): the E2E settings with length penalty 0.8; scored with
// BLEU/METEOR/TER on 6 tokenised, lowercased references, on the seen, unseen and all categories.
import { nlgExperiment } from '../../src/config.js';

export default nlgExperiment({
  task: 'webnlg',
  evaluate: { refNum: 6, tokenize: true, lower: true },
  paper: { table: 'webnlg', row: 'GPT-2 M (LoRA)' },
});
