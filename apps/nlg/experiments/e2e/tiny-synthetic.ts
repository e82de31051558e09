// The default `nx run nlg:e2e`: a tiny GPT-2 (random init) with LoRA on generated E2E-style data and a 512-token BPE
// vocabulary trained on it, sized to train and evaluate in minutes on two CPU cores. It exercises the whole pipeline
// (recipe, checkpoints, beam search, metrics, run record); its numbers are not the paper's.
import { nlgExperiment } from '../../src/config.js';

export default nlgExperiment({
  model: { name: 'tiny', nEmbd: 128, nLayer: 2, nHead: 4, nPositions: 128 },
  lora: { rank: 16, alpha: 32, dropout: 0.1 },
  train: { lr: 0.002, epochs: 2, warmupSteps: 50, maxSeqLength: 128, logEvery: 10, evalEvery: 200, saveEvery: 100 },
  decode: { beam: 4, maxNewTokens: 48, batchContexts: 20 },
  synthetic: { trainMrs: 600, validMrs: 30, testMrs: 60, vocabSize: 512, dataSeed: 2021, corpusMrs: 1500, pretrainSteps: 400, pretrainLr: 0.003, unseenTypes: [] },
  paper: null,
});
