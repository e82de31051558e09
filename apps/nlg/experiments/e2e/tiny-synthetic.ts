// The default `nx run nlg:e2e`: a tiny GPT-2 on generated E2E-style data with a 512-token BPE vocabulary trained on
// it. The base is first trained on other restaurants' descriptions from triples (the stand-in for GPT-2 pretraining,
// cached under runs/nlg/base/), then LoRA adapts it to E2E's MR format, with the paper's recipe otherwise. Sized to
// train and evaluate in minutes on two CPU cores; its numbers are not the paper's.
import { nlgExperiment } from '../../src/config.js';

export default nlgExperiment({
  model: { name: 'tiny', nEmbd: 128, nLayer: 2, nHead: 4, nPositions: 128 },
  lora: { rank: 16, alpha: 32, dropout: 0.1 },
  train: { lr: 0.002, epochs: 1, warmupSteps: 20, maxSeqLength: 128, logEvery: 10, evalEvery: 100, saveEvery: 50 },
  decode: { beam: 4, maxNewTokens: 48, batchContexts: 30 },
  synthetic: { trainMrs: 300, validMrs: 20, testMrs: 60, vocabSize: 512, dataSeed: 2021, corpusMrs: 800, pretrainSteps: 250, pretrainLr: 0.003, unseenTypes: [] },
  seeds: [110],
  paper: null,
});
