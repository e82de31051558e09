// `nx run nlu:glue-<task>` / `nlu:glue-all`: with no arguments the embedded default (a random tiny RoBERTa on
// synthetic GLUE-layout data); `--model <HF folder> --data <GLUE folder>` the paper's runs (experiment picked by model
// and task); `--adapter <file|folder>` evaluation only (e.g. the released roberta_base_lora_mnli.bin).

import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { ConfigError, applyOverrides, splitOverrideArgs, type Experiment } from '@lorats/experiment';
import { BACKEND_OPTIONS, backendOptionsFromArgs, setupBackend } from '@lorats/runtime';
import { GLUE_TASKS, glueTask } from './datasets/glue.js';
import { NLU_DEFAULTS, type NluConfig } from './defaults.js';
import { EXPERIMENTS } from './experiments/index.js';
import { familyOf, presetOf } from './models.js';
import { readJson } from '@lorats/checkpoints';
import { adapterPath, runExperiment, type RunOptions } from './train.js';

const USAGE = `usage: glue <task|all> [options] [--train.lr=4e-4 …]

  <task>              ${GLUE_TASKS.join(', ')}, or all (MNLI first: MRPC, RTE and STS-B start from its adapter)
  --model DIR         HF model folder (roberta-base, roberta-large, deberta-v2-xxlarge); default: a random tiny RoBERTa
  --data DIR          GLUE folder in the original TSV layout; default: synthetic data (needs no files)
  --experiment ID     experiment to run (default: <model preset>/<task>, or tiny/<task>)
  --adapter PATH      evaluate this adapter (PEFT folder or loralib .bin) instead of training
  --alpha A           alpha of a loralib adapter (default: the experiment's)
  --seeds 0,1,2       seeds (default: the experiment's five)
  --no-init           train MRPC/RTE/STS-B from a fresh adapter instead of the MNLI one
  --results DIR       where run records and adapters go (default: results)
  --backend NAME      ${BACKEND_OPTIONS[0].description}
  --device DEVICE     ${BACKEND_OPTIONS[1].description}
  --<key.path>=VALUE  override any config value, e.g. --train.epochs=2 (checked against the defaults)`;

/** The experiment id for a task given the model folder (or none: the embedded default). */
export function experimentFor(task: string, modelPath: string | undefined): string {
  if (!modelPath) return `tiny/${task}`;
  const family = familyOf(modelPath);
  const hidden = (readJson(`${modelPath}/config.json`) as { hidden_size?: number }).hidden_size ?? 0;
  const preset = presetOf(family, hidden);
  const id = `${preset}/${task}`;
  return EXPERIMENTS.has(id) ? id : `tiny/${task}`;
}

/** Parses the command line into experiments (in run order) and run options. */
export function parseCommandLine(argv: readonly string[]): { experiments: Array<Experiment<NluConfig>>; options: Omit<RunOptions, 'backend'>; backendArgs: Record<string, unknown> } {
  const { overrides, rest } = splitOverrideArgs(argv, NLU_DEFAULTS);
  const { values, positionals } = parseArgs({
    args: [...rest],
    allowPositionals: true,
    strict: true,
    options: {
      model: { type: 'string' },
      data: { type: 'string' },
      experiment: { type: 'string' },
      adapter: { type: 'string' },
      alpha: { type: 'string' },
      seeds: { type: 'string' },
      'no-init': { type: 'boolean' },
      results: { type: 'string' },
      backend: { type: 'string' },
      device: { type: 'string' },
      bf16: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) throw new UsageHelp(USAGE);
  if (positionals.length !== 1) throw new ConfigError(`expected one task (${GLUE_TASKS.join(', ')} or all)\n\n${USAGE}`);
  const task = positionals[0].toLowerCase();
  const tasks = task === 'all' ? ['mnli', 'sst2', 'cola', 'qnli', 'qqp', 'mrpc', 'rte', 'stsb'] : [glueTask(task).name];
  for (const p of [values.model, values.data, values.adapter]) if (p !== undefined && !existsSync(p)) throw new ConfigError(`${p}: no such file or folder`);
  const modelPath = values.model === undefined ? undefined : resolve(values.model);
  let seeds: number[] | undefined;
  if (values.seeds !== undefined) {
    seeds = values.seeds.split(',').map((s) => Number(s.trim()));
    if (seeds.length === 0 || seeds.some((s) => !Number.isInteger(s) || s < 0)) throw new ConfigError(`--seeds: expected comma-separated non-negative integers, got "${values.seeds}"`);
  }
  const alpha = values.alpha === undefined ? undefined : Number(values.alpha);
  if (alpha !== undefined && !Number.isFinite(alpha)) throw new ConfigError(`--alpha: expected a number, got "${values.alpha}"`);
  const experiments = tasks.map((t) => {
    const id = values.experiment ?? experimentFor(t, modelPath);
    const base = EXPERIMENTS.get(id);
    if (!base) throw new ConfigError(`unknown experiment "${id}" (known: ${[...EXPERIMENTS.keys()].join(', ')})`);
    let config = applyOverrides(base.config, overrides);
    if (seeds) config = { ...config, seeds };
    if (values['no-init'] || (values.data !== undefined && !modelPath && base.config.initFrom)) config = { ...config, initFrom: null };
    if (values.adapter) config = { ...config, seeds: config.seeds.slice(0, 1), initFrom: null };
    return { ...base, config };
  });
  return {
    experiments,
    options: {
      modelPath,
      dataPath: values.data === undefined ? undefined : resolve(values.data),
      adapter: values.adapter === undefined ? undefined : resolve(values.adapter),
      alpha,
      resultsDir: resolve(values.results ?? 'results'),
    },
    backendArgs: { backend: values.backend, device: values.device, bf16: values.bf16 },
  };
}

/** Thrown for --help: the text to print. */
export class UsageHelp extends Error {}

/** Runs the experiments in order, first running an experiment's `initFrom` when its adapter is missing. */
export async function main(argv: readonly string[], write: (s: string) => void = (s) => process.stdout.write(s)): Promise<void> {
  const { experiments, options, backendArgs } = parseCommandLine(argv);
  const setup = await setupBackend(backendArgsOrEmpty(backendArgs));
  const run: RunOptions = { ...options, backend: setup.backend, device: setup.device };
  const done = new Set<string>();
  const runOne = async (e: Experiment<NluConfig>): Promise<void> => {
    if (done.has(e.id)) return;
    const from = e.config.initFrom;
    if (from && !options.adapter && e.config.seeds.some((s) => !existsSync(adapterPath(run.resultsDir, from, s)))) {
      const base = EXPERIMENTS.get(from);
      if (!base) throw new ConfigError(`${e.id}: initFrom "${from}" is not an experiment`);
      process.stderr.write(`${e.id}: running ${from} first (its adapter starts this task)\n`);
      await runOne({ ...base, config: { ...base.config, seeds: e.config.seeds } });
    }
    const { median } = await runExperiment(e, run);
    done.add(e.id);
    const paper = e.config.paper === null ? '' : ` (paper ${e.config.paper})`;
    const shown = Object.entries(median)
      .filter(([k]) => !k.startsWith('last_') && k !== 'best_step')
      .map(([k, v]) => `${k} ${v.toFixed(2)}`)
      .join(', ');
    write(`${e.id}: median over ${e.config.seeds.length} seed(s): ${shown}${paper}\n`);
  };
  for (const e of experiments) await runOne(e);
}

function backendArgsOrEmpty(args: Record<string, unknown>) {
  return { ...backendOptionsFromArgs(args), quiet: true };
}

if (process.argv[1] && /main\.[jt]s$/.test(process.argv[1])) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    if (e instanceof UsageHelp) {
      process.stdout.write(`${e.message}\n`);
      return;
    }
    process.stderr.write(`glue: ${(e as Error).message}\n`);
    process.exitCode = e instanceof ConfigError || (e as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? 2 : 1;
  });
}
