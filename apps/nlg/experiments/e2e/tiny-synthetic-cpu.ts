// The default `nx run nlg:e2e` on the pure-JS tfjs cpu backend (no libtorch): e2e/tiny-synthetic made smaller (width
// 64, fewer steps and test contexts) so it still finishes in minutes there. Its numbers are not the paper's.
import { defineExperiment } from '@lorats/experiment';
import base from './tiny-synthetic.js';

export default defineExperiment(base.config, {
  model: { nEmbd: 64 },
  lora: { rank: 8, alpha: 16 },
  train: { maxSteps: 80, evalEvery: 40, saveEvery: 40 },
  decode: { beam: 3, maxNewTokens: 40 },
  synthetic: { testMrs: 25, corpusMrs: 300, pretrainSteps: 120 },
});
