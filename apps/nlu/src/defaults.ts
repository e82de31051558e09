// The NLU app's complete default config (style C4/C12): every experiment file holds only its delta from this, and
// `--train.lr=4e-4`-style overrides are checked against it. Values are examples/NLU's run_glue.py and HF Trainer
// 4.4.2 defaults unless an experiment says otherwise (reference §4.2–4.3).

import { DEBERTA_LORA } from '@lorats/deberta-v2';
import { defineExperiment, mergeConfig, type DeepPartial, type Experiment } from '@lorats/experiment';
import { ROBERTA_LORA } from '@lorats/roberta';

export interface NluConfig {
  /** Model preset: `roberta-base`, `roberta-large`, `deberta-v2-xxlarge`, or the random `tiny-roberta` / `tiny-deberta`. */
  model: string;
  family: 'roberta' | 'deberta-v2';
  /** GLUE task (`mnli`, `sst2`, `mrpc`, `cola`, `qnli`, `qqp`, `rte`, `stsb`). */
  task: string;
  lora: {
    rank: number;
    alpha: number;
    dropout: number;
    targets: string[];
    /** loralib merge_weights: fold ΔW into W on eval (RoBERTa true, DeBERTa false). */
    mergeWeights: boolean;
    /** A ~ N(0, initStd) instead of loralib's Kaiming-uniform (DeBERTa: 0.02); null keeps loralib's init. */
    initStd: number | null;
  };
  train: {
    lr: number;
    epochs: number;
    /** Per-device batch of the scripts; runs here use one device. */
    batchSize: number;
    evalBatchSize: number;
    maxSeqLength: number;
    /** Pad every example to maxSeqLength (run_glue.py's --pad_to_max_length, default true). */
    padToMaxLength: boolean;
    /** Warmup steps; 0 means ceil(warmupRatio · total steps) (Trainer 4.4.2). */
    warmupSteps: number;
    warmupRatio: number;
    weightDecay: number;
    adamEps: number;
    clipNorm: number;
    /** Dropout before DeBERTa's classifier (--cls_dropout); null = hidden_dropout_prob. No effect on RoBERTa. */
    clsDropout: number | null;
    /** Evaluate every N updates; 0 = after every epoch. */
    evalSteps: number;
    /** Train on the first N examples only (smoke runs on real data); 0 = all. */
    maxExamples: number;
  };
  /** Experiment whose adapter (same seed) starts this one: MRPC, RTE and STS-B start from MNLI. */
  initFrom: string | null;
  /** Seeds; results are the median over them (examples/NLU README). */
  seeds: number[];
  /** For the embedded default: synthetic data sizes (ignored with --data). */
  synthetic: { train: number; dev: number };
  /** The paper's number for the headline metric (README / Table 2), printed beside the median of a run; null when it prints none. */
  paper: number | null;
}

export const NLU_DEFAULTS: NluConfig = {
  model: 'roberta-base',
  family: 'roberta',
  task: 'mnli',
  lora: { rank: 8, alpha: 16, dropout: 0, targets: ['query', 'value'], mergeWeights: true, initStd: null },
  train: {
    lr: 5e-4,
    epochs: 3,
    batchSize: 16,
    evalBatchSize: 8,
    maxSeqLength: 128,
    padToMaxLength: true,
    warmupSteps: 0,
    warmupRatio: 0.06,
    weightDecay: 0.1,
    adamEps: 1e-8,
    clipNorm: 1,
    clsDropout: null,
    evalSteps: 0,
    maxExamples: 0,
  },
  initFrom: null,
  seeds: [0, 1, 2, 3, 4],
  synthetic: { train: 0, dev: 0 },
  paper: null,
};

const ROBERTA: DeepPartial<NluConfig> = {
  family: 'roberta',
  lora: { rank: ROBERTA_LORA.rank, alpha: ROBERTA_LORA.alpha, targets: [...ROBERTA_LORA.targets], mergeWeights: true, initStd: null },
};
const DEBERTA: DeepPartial<NluConfig> = {
  family: 'deberta-v2',
  lora: { rank: DEBERTA_LORA.rank, alpha: DEBERTA_LORA.alpha, targets: [...DEBERTA_LORA.targets], mergeWeights: false, initStd: 0.02 },
};

/** What each model preset brings: its family and examples/NLU's LoRA settings for it. */
export const MODEL_PRESETS: Record<string, DeepPartial<NluConfig>> = {
  'roberta-base': ROBERTA,
  'roberta-large': ROBERTA,
  'tiny-roberta': ROBERTA,
  'deberta-v2-xxlarge': DEBERTA,
  'tiny-deberta': DEBERTA,
};

/** An experiment file's value: defaults, then the model preset, then the delta; the id is its path under `experiments/`. */
export function nluExperiment(id: string, delta: DeepPartial<NluConfig>): Experiment<NluConfig> {
  const model = delta.model ?? NLU_DEFAULTS.model;
  const preset = MODEL_PRESETS[model];
  if (!preset) throw new Error(`${id}: unknown model preset "${model}" (known: ${Object.keys(MODEL_PRESETS).join(', ')})`);
  const experiment = defineExperiment(mergeConfig(NLU_DEFAULTS, preset, `${id} (preset ${model})`), delta, id);
  return { ...experiment, delta };
}
