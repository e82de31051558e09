// One NLG experiment end to end, per seed: data and tokenizer, GPT-2 (pretrained from --model, or randomly
// initialised for the synthetic default), LoRA training, beam decoding of the distinct test contexts, metrics, and a
// run record with its loss curve under results/nlg/<experiment>/. Bulky outputs (checkpoints, the adapter, reference
// and prediction files in gpt2_decode.py's layout) go to runs/nlg/<experiment>/<seed>/.
import { mkdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { saveCheckpoint, type HostTensor } from '@lorats/checkpoints';
import { loraStateDict, manualSeed } from '@lorats/core';
import {
  gitInfo,
  lossCurveSvg,
  packageVersions,
  runEnvironment,
  runRecordPath,
  toHostTensor,
  writeFileAtomicSync,
  writeRunRecord,
  type Experiment,
  type Json,
  type RunRecord,
} from '@lorats/experiment';
import { Gpt2LMModel, initGpt2Weights, loadGpt2, loadGpt2Tokenizer, type Gpt2Config } from '@lorats/gpt2';
import type { TextTokenizer } from '@lorats/tokenizers';
import type { NlgConfig } from './config.js';
import { readNlgData, syntheticData, type NlgSplits } from './data.js';
import { encodeExamples } from './datasets/encode.js';
import { decodeGroups } from './decode.js';
import { evaluateNlg } from './evaluate.js';
import { filterGroups, formatE2EReferences, formatMultiReferences, formatPredictions, groupByContext } from './references.js';
import { pretrainSyntheticBase } from './pretrain.js';
import { trainNlg } from './train.js';

const PACKAGES = ['@lorats/core', '@lorats/gpt2', '@lorats/experiment', '@lorats/metrics', '@lorats/tokenizers', '@lorats/checkpoints', '@lorats/runtime', '@lorats/tfjs-backend-torch', '@tensorflow/tfjs-core'];

export interface RunNlgOptions {
  experiment: Experiment<NlgConfig>;
  /** HF model folder or weight file (pretrained GPT-2); omitted = random init of `config.model`. */
  modelPath?: string;
  /** Data folder; omitted = the experiment's synthetic data. */
  dataPath?: string;
  /** Tokenizer folder (default: the model folder). */
  tokenizerPath?: string;
  resultsDir: string;
  runsDir: string;
  resume: boolean;
  backend: { name: string; device: string; description: string };
  /** Where progress goes (default stderr); false for none. */
  progress?: false | { stream?: NodeJS.WritableStream & { isTTY?: boolean } };
  /** Log lines (default: stderr). */
  log?: (line: string) => void;
}

interface Prepared {
  splits: NlgSplits;
  tokenizer: TextTokenizer;
  synthetic: boolean;
}

function prepare(options: RunNlgOptions): Prepared {
  const config = options.experiment.config;
  if (options.dataPath) {
    const splits = readNlgData(config.task, options.dataPath);
    const tokDir = options.tokenizerPath ?? options.modelPath;
    if (!tokDir) throw new Error('--data needs a GPT-2 tokenizer: pass --model <HF folder> or --tokenizer <folder with encoder.json + vocab.bpe>');
    return { splits, tokenizer: loadGpt2Tokenizer(tokDir), synthetic: false };
  }
  if (!config.synthetic) throw new Error(`experiment ${options.experiment.id} has no synthetic data; pass --data <folder with the ${config.task} files>`);
  const { splits, tokenizer } = syntheticData(config.task, config.synthetic);
  return { splits, tokenizer, synthetic: true };
}

async function buildModel(options: RunNlgOptions, tokenizer: TextTokenizer, seed: number): Promise<{ model: Gpt2LMModel; pretrained: boolean }> {
  const c = options.experiment.config;
  const lora = { rank: c.lora.rank, alpha: c.lora.alpha, dropout: c.lora.dropout };
  if (options.modelPath) {
    const { model } = await loadGpt2(options.modelPath, { lora, seed });
    if (model.vocabSize < tokenizer.vocabSize) throw new Error(`${options.modelPath}: vocabulary ${model.vocabSize} is smaller than the tokenizer's ${tokenizer.vocabSize}`);
    return { model, pretrained: true };
  }
  const config: Gpt2Config = { vocabSize: tokenizer.vocabSize, layerNormEpsilon: 1e-5, ...pickArch(c.model) };
  manualSeed(seed);
  const model = new Gpt2LMModel(config, lora);
  initGpt2Weights(model);
  return { model, pretrained: false };
}

function pickArch(m: NlgConfig['model']): Pick<Gpt2Config, 'nEmbd' | 'nLayer' | 'nHead' | 'nPositions'> {
  return { nEmbd: m.nEmbd, nLayer: m.nLayer, nHead: m.nHead, nPositions: m.nPositions };
}

/** LoRA factors in loralib's key layout (`transformer.h.N.attn.c_attn.lora_A`), for `--adapter` / gpt2_beam.py. */
async function adapterTensors(model: Gpt2LMModel): Promise<Map<string, HostTensor>> {
  const out = new Map<string, HostTensor>();
  for (const [k, t] of loraStateDict(model)) out.set(k, await toHostTensor(t));
  return out;
}

/** Runs every seed of the experiment; returns the records written. */
export async function runNlg(options: RunNlgOptions): Promise<RunRecord[]> {
  const { experiment } = options;
  const config = experiment.config;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const records: RunRecord[] = [];
  for (const seed of config.seeds) {
    const recordFile = runRecordPath(options.resultsDir, 'nlg', experiment.id, seed);
    const runDir = join(options.runsDir, 'nlg', ...experiment.id.split('/'), String(seed));
    mkdirSync(runDir, { recursive: true });
    const started = new Date();
    const t0 = performance.now();
    const timings: Record<string, number> = {};
    const artifacts: Record<string, string> = {};
    let prepared: Prepared | undefined;
    let pretrained = false;
    let basePath: string | undefined;
    const base = (): Omit<RunRecord, 'status' | 'metrics' | 'finished' | 'timings' | 'artifacts'> => ({
      schema: 'lorats.run-record/1',
      app: 'nlg',
      experiment: experiment.id,
      task: config.task,
      seed,
      inputs: {
        model: options.modelPath ? basename(resolve(options.modelPath)) : config.model.name,
        weights: pretrained ? 'pretrained' : 'random',
        ...(options.modelPath || basePath ? { modelPath: resolve(options.modelPath ?? (basePath as string)) } : {}),
        data: prepared?.synthetic === false ? 'full' : 'synthetic',
        ...(options.dataPath ? { dataPath: resolve(options.dataPath) } : {}),
      },
      config: config as unknown as { [key: string]: Json },
      code: gitInfo(),
      environment: runEnvironment(options.backend.name, packageVersions(PACKAGES, import.meta.url), options.backend.device),
      started: started.toISOString(),
    });
    let model: Gpt2LMModel | undefined;
    try {
      log(`nlg ${experiment.id} seed ${seed}: ${options.backend.description}`);
      prepared = prepare(options);
      const { splits, tokenizer } = prepared;
      const built = await buildModel(options, tokenizer, seed);
      model = built.model;
      pretrained = built.pretrained;
      if (!pretrained && config.synthetic && config.synthetic.pretrainSteps > 0) {
        const base = await pretrainSyntheticBase({ model, tokenizer, config, runsDir: options.runsDir, progress: options.progress, log });
        timings.pretrain = base.seconds;
        basePath = base.file;
        pretrained = true;
      }
      const train = encodeExamples(tokenizer, splits.train);
      const valid = encodeExamples(tokenizer, splits.valid);
      log(`data: ${splits.train.length} train / ${splits.valid.length} valid / ${splits.test.length} test examples; vocabulary ${tokenizer.vocabSize}`);

      const trained = await trainNlg({ model, config, train, valid, seed, checkpointDir: join(runDir, 'checkpoints'), resume: options.resume, progress: options.progress });
      timings.train = trained.seconds;
      if (trained.seconds > 0) timings.trainTokensPerSecond = trained.tokens / trained.seconds;
      await saveCheckpoint(join(runDir, 'adapter.safetensors'), await adapterTensors(model), {
        metadata: { format: 'pt', rank: String(config.lora.rank), alpha: String(config.lora.alpha) },
      });

      const groups = groupByContext(splits.test);
      timings.decode = decodeGroups(model, tokenizer, groups, config, { progress: options.progress });
      timings.decodeContextsPerSecond = groups.length / timings.decode;
      const t1 = performance.now();
      const scores = evaluateNlg(groups, config);
      timings.evaluate = (performance.now() - t1) / 1000;
      writeDecodeFiles(runDir, groups, config);
      writeFileAtomicSync(recordFile.replace(/\.json$/, '.predictions.txt'), formatPredictions(groups));
      artifacts.predictions = basename(recordFile).replace(/\.json$/, '.predictions.txt');

      const svgName = basename(recordFile).replace(/\.json$/, '.loss.svg');
      const series = [{ name: 'train', points: trained.lossCurve }];
      if (trained.validation.length > 0) series.push({ name: 'validation', points: trained.validation });
      writeFileAtomicSync(join(recordFile, '..', svgName), lossCurveSvg(series, { title: `${experiment.id} (seed ${seed})`, xLabel: 'step', yLabel: 'loss' }));
      artifacts.lossCurve = svgName;
      timings.total = (performance.now() - t0) / 1000;
      const record: RunRecord = {
        ...base(),
        status: 'complete',
        finished: new Date().toISOString(),
        timings,
        training: {
          steps: trained.steps,
          epochs: trained.steps / trained.batchesPerEpoch,
          trainableParameters: trained.trainableParameters,
          finalLoss: trained.finalLoss,
          lossCurve: trained.lossCurve,
          ...(trained.validation.length > 0 ? { validation: trained.validation } : {}),
          ...(trained.resumedFrom !== undefined ? { resumedFrom: trained.resumedFrom } : {}),
        },
        metrics: scores.metrics,
        ...(scores.splits ? { splits: scores.splits } : {}),
        artifacts,
        ...(scores.notes.length > 0 ? { notes: scores.notes } : {}),
      };
      writeRunRecord(recordFile, record);
      log(`${experiment.id} seed ${seed}: ${Object.entries(scores.metrics).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')} → ${recordFile}`);
      records.push(record);
    } catch (e) {
      timings.total = (performance.now() - t0) / 1000;
      const record: RunRecord = { ...base(), status: 'failed', error: (e as Error).message, finished: new Date().toISOString(), timings, metrics: {}, artifacts };
      try {
        writeRunRecord(recordFile, record);
      } catch {
        // the original error matters more
      }
      throw e;
    } finally {
      model?.dispose();
    }
  }
  return records;
}

/** The files gpt2_decode.py writes: predictions and references (E2E: one file; DART/WebNLG: reference0…N−1). */
function writeDecodeFiles(runDir: string, groups: ReturnType<typeof groupByContext>, config: NlgConfig): void {
  const e = config.evaluate;
  if (config.task === 'e2e') {
    writeFileAtomicSync(join(runDir, 'e2e_ref.txt'), formatE2EReferences(groups));
    writeFileAtomicSync(join(runDir, 'e2e_pred.txt'), formatPredictions(groups));
    return;
  }
  const text = { lower: e.lower, tokenize: e.tokenize };
  const sets = config.task === 'webnlg' ? (['all', 'seen', 'unseen'] as const) : (['all'] as const);
  for (const split of sets) {
    const chosen = filterGroups(groups, split);
    const dir = join(runDir, `references_${config.task}${split === 'all' ? '' : `_${split}`}`);
    formatMultiReferences(chosen, e.refNum, text).forEach((body, k) => writeFileAtomicSync(join(dir, `reference${k}`), body));
    writeFileAtomicSync(join(runDir, `hypothesis_${config.task}${split === 'all' ? '' : `_${split}`}`), formatPredictions(chosen, text));
  }
}
