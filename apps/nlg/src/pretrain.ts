// The default run's stand-in for GPT-2 pretraining: the tiny model first learns, with all its parameters, to describe
// other restaurants from their attributes written in another format (triples for the E2E task, E2E-style MRs for
// the WebNLG/DART tasks), and LoRA then adapts it to the task's own format and references, as the paper adapts
// pretrained GPT-2. The base is cached under runs/, keyed by its settings, and shared by every seed.
import { existsSync, mkdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { loadCheckpoint, saveCheckpoint, type HostTensor } from '@lorats/checkpoints';
import { manualSeed } from '@lorats/core';
import { AdamW, runTrainingLoop, toHostTensor } from '@lorats/experiment';
import { initGpt2Weights, loadGpt2StateDict, type Gpt2LMModel } from '@lorats/gpt2';
import type { TextTokenizer } from '@lorats/tokenizers';
import type { NlgConfig } from './config.js';
import { encodeExamples } from './datasets/encode.js';
import { FtBatcher } from './datasets/ft-dataset.js';
import { generateSyntheticE2E } from './datasets/synthetic-e2e.js';

export interface PretrainOptions {
  model: Gpt2LMModel;
  tokenizer: TextTokenizer;
  config: NlgConfig;
  runsDir: string;
  progress?: false | { stream?: NodeJS.WritableStream & { isTTY?: boolean } };
  log: (line: string) => void;
}

/** Trains (or loads from the cache) the tiny base; returns the cache file and the seconds spent training. */
export async function pretrainSyntheticBase(options: PretrainOptions): Promise<{ file: string; seconds: number; cached: boolean }> {
  const { model, tokenizer, config } = options;
  const s = config.synthetic;
  if (!s || s.pretrainSteps <= 0) throw new Error('pretrainSyntheticBase: the experiment has no synthetic pretraining');
  const key = createHash('sha256')
    .update(JSON.stringify({ model: config.model, synthetic: s, vocab: tokenizer.vocabSize, maxSeqLength: config.train.maxSeqLength }))
    .digest('hex')
    .slice(0, 12);
  const file = join(options.runsDir, 'nlg', 'base', `tiny-synthetic-${key}.safetensors`);
  const base = model.namedParameters().filter(([name]) => !name.includes('lora_'));
  if (existsSync(file)) {
    loadGpt2StateDict(model, (await loadCheckpoint(file)).tensors, file);
    options.log(`base: ${file} (cached)`);
    return { file, seconds: 0, cached: true };
  }
  // Other draws than the task's, in the other linearisation.
  const corpus = generateSyntheticE2E({
    seed: s.dataSeed + 1,
    trainMrs: s.corpusMrs,
    validMrs: 1,
    testMrs: 1,
    refsPerMr: [2, 4],
    format: config.task === 'e2e' ? 'triples' : 'mr',
  }).train;
  const batcher = new FtBatcher(encodeExamples(tokenizer, corpus), { batchSize: config.train.batchSize, maxSeqLength: config.train.maxSeqLength, shuffle: true, seed: s.dataSeed });
  // The base's init depends only on the data seed, so every run seed shares one base.
  const loraValues = model.namedParameters().filter(([name]) => name.includes('lora_')).map(([, v]) => v.clone());
  manualSeed(s.dataSeed);
  initGpt2Weights(model);
  model.namedParameters().filter(([name]) => name.includes('lora_')).forEach(([, v], i) => v.assign(loraValues[i]));
  loraValues.forEach((t) => t.dispose());
  const saved = base.map(([, v]) => v.trainable);
  for (const [, v] of base) v.trainable = true;
  const optimizer = new AdamW(base, { betas: [0.9, 0.999], eps: 1e-6, weightDecay: 0.01, correctBias: true });
  model.train();
  try {
    const result = await runTrainingLoop({
      params: base,
      optimizer,
      schedule: { kind: 'linear', lr: s.pretrainLr, warmupSteps: Math.min(100, Math.floor(s.pretrainSteps / 10)), totalSteps: s.pretrainSteps },
      totalSteps: s.pretrainSteps,
      loss: (step) => {
        manualSeed(step);
        return model.loss(batcher.batchAtStep(step));
      },
      tokens: (step) => batcher.batchAtStep(step).inputTokens,
      logEvery: 50,
      progress: options.progress === false ? false : { label: 'pretrain base', ...(options.progress?.stream ? { stream: options.progress.stream } : {}) },
    });
    const tensors = new Map<string, HostTensor>();
    mkdirSync(dirname(file), { recursive: true });
    for (const [name, v] of base) tensors.set(name, await toHostTensor(v));
    await saveCheckpoint(file, tensors, { metadata: { format: 'pt', 'lorats.note': 'tiny GPT-2 pretrained on synthetic restaurant text' } });
    options.log(`base: pretrained ${s.pretrainSteps} steps (final loss ${result.finalLoss.toFixed(3)}) → ${file}`);
    return { file, seconds: result.seconds, cached: false };
  } finally {
    optimizer.dispose();
    base.forEach(([, v], i) => (v.trainable = saved[i]));
  }
}
