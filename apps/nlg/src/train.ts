// Training as examples/NLG/src/gpt2_ft.py (reference §2.3–2.6): only the LoRA factors train; batches from FT_Dataset
// semantics, shuffled per epoch; the label-smoothed completion loss; old-HF AdamW with the linear LambdaLR schedule
// (first update at lr 0); validation loss without smoothing; checkpoints every `saveEvery` updates. LoRA dropout
// masks are seeded from (seed, step), so `--resume` replays the same updates.
import { manualSeed, markOnlyLoraAsTrainable, namedTrainableVariables } from '@lorats/core';
import { AdamW, deriveSeed, runTrainingLoop, type TrainLoopResult } from '@lorats/experiment';
import type { Gpt2LMModel } from '@lorats/gpt2';
import type { NlgConfig } from './config.js';
import type { EncodedExample } from './datasets/encode.js';
import { FtBatcher } from './datasets/ft-dataset.js';

export interface TrainNlgOptions {
  model: Gpt2LMModel;
  config: NlgConfig;
  train: readonly EncodedExample[];
  valid: readonly EncodedExample[];
  seed: number;
  checkpointDir: string;
  resume: boolean;
  /** Progress output stream (default stderr); false for none. */
  progress?: false | { stream?: NodeJS.WritableStream & { isTTY?: boolean } };
}

export interface TrainNlgResult extends TrainLoopResult {
  trainableParameters: number;
  batchesPerEpoch: number;
}

/** Mean validation loss over all batches (as gpt2_ft.py's evaluate: the mean of per-batch losses, no smoothing). */
export function validationLoss(model: Gpt2LMModel, batcher: FtBatcher): number {
  const wasTraining = model.training;
  model.eval();
  let sum = 0;
  for (let b = 0; b < batcher.batchesPerEpoch; b++) {
    const loss = model.loss(batcher.batch(1, b));
    sum += loss.dataSync()[0];
    loss.dispose();
  }
  model.train(wasTraining);
  return sum / batcher.batchesPerEpoch;
}

export async function trainNlg(options: TrainNlgOptions): Promise<TrainNlgResult> {
  const { model, config, seed } = options;
  const t = config.train;
  markOnlyLoraAsTrainable(model, 'none');
  const params = namedTrainableVariables(model);
  if (params.length === 0) throw new Error('trainNlg: the model has no LoRA parameters (lora.rank must be > 0)');
  const trainableParameters = params.reduce((n, [, v]) => n + v.size, 0);
  const jointLm = t.objective === 'jlm';
  const batcher = new FtBatcher(options.train, { batchSize: t.batchSize, maxSeqLength: t.maxSeqLength, shuffle: true, seed, jointLm });
  const validBatcher = new FtBatcher(options.valid, { batchSize: t.validBatchSize, maxSeqLength: t.maxSeqLength, shuffle: false, seed, jointLm });
  const totalSteps = t.maxSteps ?? t.epochs * batcher.batchesPerEpoch;
  const noDecay = (name: string) => t.noDecayBias && (name.includes('bias') || name.includes('layer_norm.weight'));
  const optimizer = new AdamW(params, { betas: t.betas, eps: t.eps, weightDecay: t.weightDecay, correctBias: t.correctBias, noDecay });
  model.train();
  try {
    const result = await runTrainingLoop({
      params,
      optimizer,
      schedule: { kind: t.schedule, lr: t.lr, warmupSteps: t.warmupSteps, totalSteps },
      totalSteps,
      loss: (step) => {
        manualSeed(deriveSeed(seed, 'dropout', step));
        return model.loss(batcher.batchAtStep(step), { labelSmoothing: t.labelSmoothing });
      },
      tokens: (step) => batcher.batchAtStep(step).inputTokens,
      clipNorm: t.clip,
      logEvery: t.logEvery,
      checkpoint: { dir: options.checkpointDir, every: t.saveEvery, keep: 2 },
      resume: options.resume,
      validate: { every: t.evalEvery, run: () => validationLoss(model, validBatcher) },
      progress: options.progress === false ? false : { label: `train ${config.task}`, ...(options.progress?.stream ? { stream: options.progress.stream } : {}) },
    });
    return { ...result, trainableParameters, batchesPerEpoch: batcher.batchesPerEpoch };
  } finally {
    optimizer.dispose();
    model.eval();
  }
}
