// E2E, GPT-2 Large: the README gives no command; the paper uses the Medium settings (Appendix D).
import { nlgExperiment } from '../../src/config.js';

export default nlgExperiment({
  model: { name: 'gpt2-large', nEmbd: 1280, nLayer: 36, nHead: 20 },
  paper: { table: 'e2e', row: 'GPT-2 L (LoRA)' },
});
