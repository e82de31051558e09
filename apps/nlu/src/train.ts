// One GLUE run per seed, as examples/NLU's run_glue.py with the HF Trainer 4.4.2: LoRA on the targets (or the MNLI
// adapter for MRPC/RTE/STS-B), head trained fully, AdamW with no decay on biases and LayerNorm, linear schedule with
// warmup, gradient clipping, evaluation every epoch (or every evalSteps), then a run record and the adapter (PEFT
// format) under results/nlu/<experiment>/.

import { mkdirSync, existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { serializeSafetensors, writeFolderAtomic, type HostTensor } from '@lorats/checkpoints';
import { manualSeed } from '@lorats/core';
import {
  AdamW,
  Rng,
  deriveSeed,
  gitInfo,
  lossCurveSvg,
  packageVersions,
  runEnvironment,
  runRecordPath,
  runTrainingLoop,
  writeFileAtomicSync,
  writeRunRecord,
  type Experiment,
  type RunRecord,
} from '@lorats/experiment';
import { argmaxRows, glueMetric } from '@lorats/metrics';
import { padBatch, type EncodedInput } from '@lorats/tokenizers';
import * as tf from '@tensorflow/tfjs-core';
import { GLUE, glueTask, numLabels, readGlueTask, type GlueData, type GlueExample, type GlueTaskSpec } from './datasets/glue.js';
import { syntheticCorpus, writeSyntheticGlue } from './datasets/synthetic-glue.js';
import type { NluConfig } from './defaults.js';
import { addLora, isHeadKey, loadAdapter, loadNluModel, markTrainable, tinyRoberta, type NluModel } from './models.js';

/** Where a run reads from and writes to. */
export interface RunOptions {
  /** HF model folder; default: the experiment's random tiny model. */
  modelPath?: string;
  /** GLUE root (or task folder); default: synthetic data written to `<resultsDir>/nlu/.synthetic`. */
  dataPath?: string;
  /** Evaluate this adapter (PEFT folder or loralib file) without training. */
  adapter?: string;
  /** alpha for a loralib adapter (not stored in the file); default the experiment's. */
  alpha?: number;
  resultsDir: string;
  /** Backend name for the record. */
  backend: string;
  device?: string;
  /** Progress output (stderr by default); false for none. */
  progress?: NodeJS.WritableStream | false;
  log?: (line: string) => void;
}

/** Metrics on the paper's scale (×100), keyed by lower-case name. */
export type Metrics = Record<string, number>;

/** Scores dev predictions as datasets' glue metric does, ×100; STS-B also reports Spearman. */
export function scoreTask(spec: GlueTaskSpec, logits: number[][], references: number[]): Metrics {
  const predictions = spec.labels.length === 0 ? logits.map((row) => row[0]) : argmaxRows(logits);
  const raw = glueMetric(spec.name, predictions, references);
  const out: Metrics = {};
  for (const [k, v] of Object.entries(raw)) out[k === 'matthews_correlation' ? 'matthews' : k === 'spearmanr' ? 'spearman' : k] = v * 100;
  return out;
}

/** The number a task is judged by (MNLI: matched accuracy). */
export function headline(spec: GlueTaskSpec, metrics: Metrics): number {
  return metrics[spec.metric];
}

/** Tokenized examples, and their labels. */
interface Encoded {
  inputs: EncodedInput[];
  labels: number[];
}

function encode(nlu: NluModel, examples: readonly GlueExample[], maxLength: number): Encoded {
  return { inputs: examples.map((e) => nlu.tokenizer.encodeInput(e.a, e.b, { maxLength })), labels: examples.map((e) => e.label) };
}

function batchTensors(nlu: NluModel, data: Encoded, index: readonly number[], padTo: number | undefined) {
  const b = padBatch(
    index.map((i) => data.inputs[i]),
    nlu.tokenizer.padId,
    padTo,
  );
  return {
    inputs: {
      inputIds: tf.tensor2d(b.inputIds, [b.batch, b.length], 'int32'),
      attentionMask: tf.tensor2d(b.attentionMask, [b.batch, b.length], 'int32'),
      tokenTypeIds: tf.tensor2d(b.tokenTypeIds, [b.batch, b.length], 'int32'),
    },
    tokens: b.attentionMask.reduce((s, v) => s + v, 0),
  };
}

/** Logits of every example, in batches (eval mode: no dropout, merged LoRA where mergeWeights). */
export async function predict(nlu: NluModel, data: Encoded, batchSize: number, padTo?: number): Promise<number[][]> {
  nlu.model.eval();
  const out: number[][] = [];
  for (let i = 0; i < data.inputs.length; i += batchSize) {
    const index = Array.from({ length: Math.min(batchSize, data.inputs.length - i) }, (_, k) => i + k);
    const { inputs } = batchTensors(nlu, data, index, padTo);
    const logits = nlu.model.forward(inputs);
    out.push(...((await logits.array()) as number[][]));
    tf.dispose([logits, inputs.inputIds, inputs.attentionMask, inputs.tokenTypeIds]);
  }
  return out;
}

/** Evaluates every dev split; MNLI's mismatched accuracy is also reported as `accuracy_mm`. */
async function evaluate(nlu: NluModel, spec: GlueTaskSpec, dev: Record<string, Encoded>, config: NluConfig): Promise<{ metrics: Metrics; splits: Record<string, Metrics> }> {
  const padTo = config.train.padToMaxLength ? config.train.maxSeqLength : undefined;
  const splits: Record<string, Metrics> = {};
  for (const [name, data] of Object.entries(dev)) splits[name] = scoreTask(spec, await predict(nlu, data, config.train.evalBatchSize, padTo), data.labels);
  const names = Object.keys(splits);
  const metrics = { ...splits[names[0]] };
  if (spec.name === 'mnli' && splits.mismatched) metrics.accuracy_mm = splits.mismatched.accuracy;
  return { metrics, splits };
}

/** The adapter and head as a PEFT folder (adapter_config.json + adapter_model.safetensors). */
export async function saveAdapter(nlu: NluModel, folder: string, config: NluConfig): Promise<void> {
  const tensors: Array<[string, HostTensor]> = [];
  const modules = new Set<string>();
  for (const [key, t] of nlu.model.stateDict()) {
    const lora = /^(.*)\.lora_([AB])$/.exec(key);
    const head = isHeadKey(nlu.family, key);
    if (!lora && !head) continue;
    if (head) modules.add(key.split('.')[0]);
    const name = lora ? `base_model.model.${lora[1]}.lora_${lora[2]}.weight` : `base_model.model.${key}`;
    tensors.push([name, { dtype: 'float32', shape: [...t.shape], data: (await t.data()) as Float32Array }]);
  }
  const adapterConfig = {
    peft_type: 'LORA',
    task_type: 'SEQ_CLS',
    r: config.lora.rank,
    lora_alpha: config.lora.alpha,
    lora_dropout: config.lora.dropout,
    target_modules: config.lora.targets,
    modules_to_save: [...modules],
    bias: 'none',
    fan_in_fan_out: false,
    use_rslora: false,
    use_dora: false,
    init_lora_weights: true,
    inference_mode: true,
    base_model_name_or_path: config.model,
    rank_pattern: {},
    alpha_pattern: {},
  };
  mkdirSync(dirname(folder), { recursive: true });
  await writeFolderAtomic(folder, [
    { name: 'adapter_config.json', write: new TextEncoder().encode(`${JSON.stringify(adapterConfig, null, 2)}\n`) },
    { name: 'adapter_model.safetensors', write: serializeSafetensors(tensors, { metadata: { format: 'pt' } }) },
  ]);
}

/** The adapter folder a run of `experiment` with `seed` leaves. */
export function adapterPath(resultsDir: string, experiment: string, seed: number): string {
  return join(dirname(runRecordPath(resultsDir, 'nlu', experiment, seed)), `${seed}-adapter`);
}

/** The data of a run: the real GLUE folder, or synthetic data generated for the experiment. */
export function taskData(experiment: Experiment<NluConfig>, options: Pick<RunOptions, 'dataPath' | 'resultsDir' | 'adapter'>): { data: GlueData; kind: 'full' | 'synthetic' } {
  const spec = glueTask(experiment.config.task);
  if (options.dataPath) return { data: readGlueTask(spec, options.dataPath, { train: options.adapter === undefined }), kind: 'full' };
  const { train, dev } = experiment.config.synthetic;
  if (train <= 0) throw new Error(`${experiment.id}: needs --data <GLUE folder> (it has no synthetic data)`);
  const root = join(options.resultsDir, 'nlu', '.synthetic', experiment.id);
  writeSyntheticGlue(root, spec.name, { train, dev });
  return { data: readGlueTask(spec, root), kind: 'synthetic' };
}

async function buildModel(config: NluConfig, spec: GlueTaskSpec, options: RunOptions): Promise<NluModel> {
  const labels = numLabels(spec);
  if (options.modelPath) return loadNluModel(options.modelPath, labels, { clsDropout: config.train.clsDropout });
  if (config.model !== 'tiny-roberta') throw new Error(`${config.model} needs --model <HF folder>`);
  return tinyRoberta(syntheticCorpus(), labels);
}

/** Trains (or, with an adapter, only evaluates) one seed and writes its run record. */
export async function runSeed(experiment: Experiment<NluConfig>, seed: number, options: RunOptions): Promise<RunRecord> {
  const { config, id } = experiment;
  const spec = glueTask(config.task);
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const started = new Date();
  const t0 = performance.now();
  manualSeed(deriveSeed(seed, 'init'));
  const { data, kind } = taskData(experiment, options);
  const nlu = await buildModel(config, spec, options);
  const timings: Record<string, number> = {};
  const artifacts: Record<string, string> = {};
  const recordFile = runRecordPath(options.resultsDir, 'nlu', id, seed);
  mkdirSync(dirname(recordFile), { recursive: true });

  const maxLength = config.train.maxSeqLength;
  const dev: Record<string, Encoded> = {};
  for (const [name, examples] of Object.entries(data.dev)) dev[name] = encode(nlu, examples, maxLength);
  let training: RunRecord['training'];
  let best: { metrics: Metrics; splits: Record<string, Metrics> };

  if (options.adapter) {
    const loaded = await loadAdapter(nlu, options.adapter, { alpha: options.alpha ?? config.lora.alpha, mergeWeights: config.lora.mergeWeights });
    if (loaded.droppedKeys.length > 0) log(`adapter head does not fit ${spec.name}; dropped ${loaded.droppedKeys.join(', ')}`);
    const t = performance.now();
    best = await evaluate(nlu, spec, dev, config);
    timings.evaluate = (performance.now() - t) / 1000;
  } else {
    if (config.initFrom) {
      const from = adapterPath(options.resultsDir, config.initFrom, seed);
      if (!existsSync(from)) throw new Error(`${id}: starts from ${config.initFrom}'s adapter, but ${from} does not exist (run ${config.initFrom} first)`);
      const { droppedKeys } = await loadAdapter(nlu, from, { mergeWeights: config.lora.mergeWeights });
      log(`${id} seed ${seed}: starting from ${config.initFrom} (${droppedKeys.length > 0 ? 'head dropped' : 'head kept'})`);
    } else addLora(nlu.model, config.lora);
    const params = markTrainable(nlu);
    const examples = config.train.maxExamples > 0 ? data.train.slice(0, config.train.maxExamples) : data.train;
    const trainSet = encode(nlu, examples, maxLength);
    const n = trainSet.inputs.length;
    const perEpoch = Math.ceil(n / config.train.batchSize);
    const totalSteps = perEpoch * config.train.epochs;
    const warmupSteps = config.train.warmupSteps > 0 ? config.train.warmupSteps : Math.ceil(totalSteps * config.train.warmupRatio);
    const padTo = config.train.padToMaxLength ? maxLength : undefined;
    const evalEvery = config.train.evalSteps > 0 ? config.train.evalSteps : perEpoch;
    const orders = new Map<number, number[]>();
    const order = (epoch: number) => {
      let o = orders.get(epoch);
      if (!o) {
        o = new Rng(deriveSeed(seed, 'epoch', epoch)).permutation(n);
        orders.set(epoch, o);
      }
      return o;
    };
    const batchOf = (step: number) => {
      const epoch = Math.floor((step - 1) / perEpoch);
      const k = (step - 1) % perEpoch;
      return order(epoch).slice(k * config.train.batchSize, (k + 1) * config.train.batchSize);
    };
    const tokensOf = new Map<number, number>();
    const evals: Array<{ step: number; metrics: Metrics; splits: Record<string, Metrics> }> = [];
    const optimizer = new AdamW(params, {
      eps: config.train.adamEps,
      weightDecay: config.train.weightDecay,
      noDecay: (name) => name.endsWith('bias') || name.includes('LayerNorm'),
    });
    const t = performance.now();
    const result = await runTrainingLoop({
      params,
      optimizer,
      schedule: { kind: 'linear', lr: config.train.lr, warmupSteps, totalSteps },
      totalSteps,
      clipNorm: config.train.clipNorm,
      logEvery: Math.max(1, Math.min(10, perEpoch)),
      loss: (step) => {
        nlu.model.train();
        manualSeed(deriveSeed(seed, 'dropout', step));
        const { inputs, tokens } = batchTensors(nlu, trainSet, batchOf(step), padTo);
        tokensOf.set(step, tokens);
        const labels = spec.labels.length === 0 ? tf.tensor1d(batchOf(step).map((i) => trainSet.labels[i])) : tf.tensor1d(batchOf(step).map((i) => trainSet.labels[i]), 'int32');
        return nlu.model.loss(nlu.model.forward(inputs), labels);
      },
      tokens: (step) => tokensOf.get(step) ?? 0,
      validate: {
        every: evalEvery,
        run: async (step) => {
          const r = await evaluate(nlu, spec, dev, config);
          evals.push({ step, ...r });
          log(`${id} seed ${seed} step ${step}: ${Object.entries(r.metrics).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}`);
          return headline(spec, r.metrics);
        },
      },
      progress: options.progress === false ? false : { label: `${id} seed ${seed}`, stream: options.progress ?? process.stderr },
    });
    timings.train = (performance.now() - t) / 1000;
    timings.trainTokensPerSecond = result.tokens / Math.max(result.seconds, 1e-9);
    // The README reports the best evaluation of each run (no checkpoint selection in the code): keep both.
    const top = evals.reduce((a, b) => (headline(spec, b.metrics) > headline(spec, a.metrics) ? b : a));
    const last = evals[evals.length - 1];
    best = { metrics: { ...top.metrics, best_step: top.step, ...Object.fromEntries(Object.entries(last.metrics).map(([k, v]) => [`last_${k}`, v])) }, splits: top.splits };
    training = {
      steps: result.steps,
      epochs: config.train.epochs,
      trainableParameters: params.reduce((s, [, v]) => s + v.size, 0),
      finalLoss: result.finalLoss,
      lossCurve: result.lossCurve,
      validation: evals.map((e) => [e.step, headline(spec, e.metrics)] as [number, number]),
    };
    const adapterDir = adapterPath(options.resultsDir, id, seed);
    await saveAdapter(nlu, adapterDir, config);
    artifacts.adapter = relative(dirname(recordFile), adapterDir);
    const svg = join(dirname(recordFile), `${seed}-loss.svg`);
    writeFileAtomicSync(svg, lossCurveSvg([{ name: 'train loss', points: result.lossCurve }], { title: `${id} seed ${seed}`, xLabel: 'update', yLabel: 'loss' }));
    artifacts.lossCurve = relative(dirname(recordFile), svg);
  }
  timings.total = (performance.now() - t0) / 1000;
  const record: RunRecord = {
    schema: 'lorats.run-record/1',
    app: 'nlu',
    experiment: id,
    task: spec.name,
    seed,
    status: 'complete',
    inputs: {
      model: config.model,
      weights: options.modelPath ? 'pretrained' : 'random',
      ...(options.modelPath ? { modelPath: options.modelPath } : {}),
      data: kind,
      ...(options.dataPath ? { dataPath: options.dataPath } : {}),
    },
    config: JSON.parse(JSON.stringify({ ...config, ...(options.adapter ? { evalOnlyAdapter: options.adapter } : {}) })),
    code: gitInfo(),
    environment: runEnvironment(options.backend, packageVersions(['@tensorflow/tfjs-core', '@lorats/core', '@lorats/roberta', '@lorats/deberta-v2'], import.meta.url), options.device),
    started: started.toISOString(),
    finished: new Date().toISOString(),
    timings,
    ...(training ? { training } : {}),
    metrics: best.metrics,
    ...(Object.keys(best.splits).length > 1 ? { splits: best.splits } : {}),
    artifacts,
  };
  writeRunRecord(recordFile, record);
  nlu.model.dispose();
  return record;
}

/** The median (the README's aggregate over 5 seeds; the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Runs every seed of an experiment; returns the records and the median of each metric over seeds. */
export async function runExperiment(experiment: Experiment<NluConfig>, options: RunOptions): Promise<{ records: RunRecord[]; median: Metrics }> {
  const records: RunRecord[] = [];
  for (const seed of experiment.config.seeds) records.push(await runSeed(experiment, seed, options));
  const keys = Object.keys(records[0].metrics);
  const med: Metrics = {};
  for (const k of keys) med[k] = median(records.map((r) => r.metrics[k]));
  return { records, median: med };
}

export { GLUE };
