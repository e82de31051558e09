// WebNLG, GPT-2 Large: the Medium settings on the Large model (paper Appendix D).
import { nlgExperiment } from '../../src/config.js';

export default nlgExperiment({
  task: 'webnlg',
  model: { name: 'gpt2-large', nEmbd: 1280, nLayer: 36, nHead: 20 },
  evaluate: { refNum: 6, tokenize: true, lower: true },
  paper: { table: 'webnlg', row: 'GPT-2 L (LoRA)' },
});
