// The default `nx run nlg:e2e` on the pure-JS tfjs cpu backend (no libtorch): e2e/tiny-synthetic made smaller
// (width 64, fewer steps and test contexts, a shorter pretraining stand-in) so it finishes in minutes there. Its
// numbers are not the paper's.
import { defineExperiment } from '@lorats/experiment';
import base from './tiny-synthetic.js';

export default defineExperiment(base.config, {
  model: { nEmbd: 64 },
  lora: { rank: 8, alpha: 16 },
  train: { maxSteps: 60, evalEvery: 30, saveEvery: 30 },
  decode: { beam: 3, maxNewTokens: 40 },
  synthetic: { testMrs: 20, corpusMrs: 300, pretrainSteps: 100 },
});
