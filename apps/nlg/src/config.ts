// The NLG experiments' settings, at one level each (style C4): the complete defaults below are the paper's GPT-2 M
// E2E command (microsoft/LoRA examples/NLG/README.md: gpt2_ft.py for training, gpt2_beam.py for decoding); each file
// under apps/nlg/experiments/ holds only what differs from them.
import { defineExperiment, type DeepPartial, type Experiment } from '@lorats/experiment';

export type NlgTask = 'e2e' | 'dart' | 'webnlg';

export interface NlgConfig {
  task: NlgTask;
  model: {
    /** Preset or checkpoint name recorded in results (`gpt2-medium`, `gpt2-large`, `tiny`). */
    name: string;
    /** Architecture when no --model folder is given (random init); a folder's config.json wins. */
    nEmbd: number;
    nLayer: number;
    nHead: number;
    nPositions: number;
  };
  /** LoRA on q and v of every c_attn (`--lora_dim`, `--lora_alpha`, `--lora_dropout`). */
  lora: { rank: number; alpha: number; dropout: number };
  train: {
    lr: number;
    weightDecay: number;
    /** AdamW's (β1, β2) (`--adam_beta1/2`). */
    betas: [number, number];
    /** `--adam_epislon`. */
    eps: number;
    correctBias: boolean;
    /** No decay for names containing `bias` or `layer_norm.weight` (`--no_decay_bias`). */
    noDecayBias: boolean;
    epochs: number;
    /** Updates; null = epochs × batches per epoch. */
    maxSteps: number | null;
    warmupSteps: number;
    schedule: 'linear' | 'constant' | 'none';
    batchSize: number;
    validBatchSize: number;
    /** Truncation length of context + completion (`--seq_len`). */
    maxSeqLength: number;
    labelSmoothing: number;
    /** Max gradient norm, 0 = off (`--clip`). */
    clip: number;
    /** `clm`: loss on the completion only; `jlm`: on every next token. */
    objective: 'clm' | 'jlm';
    /** Updates per loss-curve point. */
    logEvery: number;
    /** Validation every N updates (and after the last). */
    evalEvery: number;
    /** Checkpoint every N updates (and after the last). */
    saveEvery: number;
  };
  decode: {
    beam: number;
    /** `--eval_len`: new tokens per context. */
    maxNewTokens: number;
    lengthPenalty: number;
    noRepeatNgramSize: number;
    repetitionPenalty: number;
    minLength: number;
    /** Also stop at "\n\n" (`--eos_token_id 628` beside the default 50256). */
    stopAtBlankLine: boolean;
    /** Contexts decoded together (each with `beam` rows). */
    batchContexts: number;
  };
  evaluate: {
    /** gpt2_decode.py `--ref_num` for DART/WebNLG reference files. */
    refNum: number;
    /** gpt2_decode.py `--tokenize` / `--lower` (DART/WebNLG use both; E2E neither). */
    tokenize: boolean;
    lower: boolean;
  };
  /**
   * Generated data instead of --data (the default run), null for the real data sets: MR counts per split, the BPE
   * vocabulary size, and the stand-in for pretraining. Contexts follow the task's format (E2E MRs; WebNLG/DART
   * triples, DART with lowercase predicates) (steps and lr of training the tiny base on `corpusMrs` MRs'
   * descriptions, without their MRs, before LoRA).
   */
  synthetic: {
    trainMrs: number;
    validMrs: number;
    testMrs: number;
    vocabSize: number;
    dataSeed: number;
    corpusMrs: number;
    pretrainSteps: number;
    pretrainLr: number;
    /** Venue types kept out of training and marked unseen in the test split (WebNLG's seen/unseen categories). */
    unseenTypes: string[];
  } | null;
  seeds: number[];
  /** Where the results belong in the paper: its table and row label. */
  paper: { table: string; row: string } | null;
}

/** The E2E / GPT-2 Medium command of examples/NLG/README.md. */
export const NLG_DEFAULTS: NlgConfig = {
  task: 'e2e',
  model: { name: 'gpt2-medium', nEmbd: 1024, nLayer: 24, nHead: 16, nPositions: 1024 },
  lora: { rank: 4, alpha: 32, dropout: 0.1 },
  train: {
    lr: 0.0002,
    weightDecay: 0.01,
    betas: [0.9, 0.999],
    eps: 1e-6,
    correctBias: true,
    noDecayBias: false,
    epochs: 5,
    maxSteps: null,
    warmupSteps: 500,
    schedule: 'linear',
    batchSize: 8,
    validBatchSize: 4,
    maxSeqLength: 512,
    labelSmoothing: 0.1,
    clip: 0,
    objective: 'clm',
    logEvery: 100,
    evalEvery: 2000,
    saveEvery: 1000,
  },
  decode: {
    beam: 10,
    maxNewTokens: 64,
    lengthPenalty: 0.8,
    noRepeatNgramSize: 4,
    repetitionPenalty: 1,
    minLength: 0,
    stopAtBlankLine: true,
    batchContexts: 16,
  },
  evaluate: { refNum: 6, tokenize: false, lower: false },
  synthetic: null,
  // The README's seed, and two more: the paper reports the mean over 3 runs.
  seeds: [110, 111, 112],
  paper: { table: 'e2e', row: 'GPT-2 M (LoRA)' },
};

/** An NLG experiment: the defaults plus `delta` (the experiment id is set when the file is loaded). */
export function nlgExperiment(delta: DeepPartial<NlgConfig>): Experiment<NlgConfig> {
  return defineExperiment(NLG_DEFAULTS, delta);
}
