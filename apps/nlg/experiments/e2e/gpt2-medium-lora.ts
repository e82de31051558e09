// E2E, GPT-2 Medium, LoRA r 4 on q/v: the command of microsoft/LoRA examples/NLG/README.md, which the defaults are
// (lr 2e-4, batch 8, 5 epochs, warmup 500, label smoothing 0.1, LoRA dropout 0.1; beam 10, length penalty 0.8).
import { nlgExperiment } from '../../src/config.js';

export default nlgExperiment({});
