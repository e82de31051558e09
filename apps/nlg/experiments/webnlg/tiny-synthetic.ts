// The default `nx run nlg:webnlg`: the e2e/tiny-synthetic setup with WebNLG-style inputs (triples) and scoring (BLEU,
// METEOR, TER on 6 tokenised, lowercased references, on seen, unseen and all categories). Restaurants are the
// "unseen category": they appear only in the test split. Its numbers are not the paper's.
import { nlgExperiment } from '../../src/config.js';

export default nlgExperiment({
  task: 'webnlg',
  model: { name: 'tiny', nEmbd: 128, nLayer: 2, nHead: 4, nPositions: 128 },
  lora: { rank: 16, alpha: 32, dropout: 0.1 },
  train: { lr: 0.002, epochs: 1, warmupSteps: 20, maxSeqLength: 128, logEvery: 10, evalEvery: 100, saveEvery: 50 },
  decode: { beam: 4, maxNewTokens: 48, batchContexts: 30 },
  evaluate: { refNum: 6, tokenize: true, lower: true },
  synthetic: { trainMrs: 300, validMrs: 20, testMrs: 60, vocabSize: 512, dataSeed: 2023, corpusMrs: 800, pretrainSteps: 250, pretrainLr: 0.003, unseenTypes: ['restaurant'] },
  seeds: [110],
  paper: null,
});
