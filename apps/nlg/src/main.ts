// `nx run nlg:e2e|dart|webnlg [-- options]`: runs an NLG experiment. Without options it trains and evaluates the
// embedded default (a tiny GPT-2 on synthetic E2E-style data); `--model <HF folder> --data <folder>` runs the paper's
// experiment for that data set on real weights and data.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { applyOverrides, splitOverrideArgs, type Experiment } from '@lorats/experiment';
import { configFromHf } from '@lorats/gpt2';
import { BACKEND_OPTIONS, backendOptionsFromArgs, setupBackend } from '@lorats/runtime';
import { readFileSync } from 'node:fs';
import { NLG_DEFAULTS, type NlgConfig, type NlgTask } from './config.js';
import { runNlg } from './run.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const EXPERIMENTS = fileURLToPath(new URL('../experiments/', import.meta.url));
const APP_DIR = fileURLToPath(new URL('../', import.meta.url)).replace(/\/$/, '');

/** A user path: relative to where the command was typed; nx runs the target in apps/nlg, so there, the repo root. */
function userPath(p: string | undefined): string | undefined {
  if (p === undefined) return undefined;
  return resolve(process.cwd() === APP_DIR ? ROOT : process.cwd(), p);
}
const TASKS: readonly NlgTask[] = ['e2e', 'dart', 'webnlg'];

const USAGE = `Usage: nx run nlg:<e2e|dart|webnlg> [-- options]
       node --conditions=@lorats/source --import tsx apps/nlg/src/main.ts <e2e|dart|webnlg> [options]

Without options: the embedded default (<task>/tiny-synthetic: tiny GPT-2, synthetic E2E-style data;
<task>/tiny-synthetic-cpu on the pure-JS cpu backend).

Options:
  --experiment ID      experiment under apps/nlg/experiments (default: <task>/tiny-synthetic, or with --model
                       <task>/gpt2-medium-lora / <task>/gpt2-large-lora by the model's width)
  --model PATH         pretrained GPT-2: an HF folder (config.json + model.safetensors | pytorch_model.bin) or a weight file
  --data DIR           the data set's folder (E2E: train.txt valid.txt test.txt; DART: dart-v1.1.1-full-{train,dev,test}.json;
                       WebNLG: train.json dev.json test.json, or the v1.4 XML train/ dev/ test/ folders)
  --tokenizer DIR      GPT-2 tokenizer files (default: the model folder)
                       (through nx, relative paths are taken from the repository root)
  --seed N             run this seed only (default: the experiment's seeds)
  --resume             continue from the newest checkpoint in runs/nlg/<experiment>/<seed>/checkpoints
  --results DIR        where run records go (default: results/)
  --runs DIR           checkpoints, adapter, decode files (default: runs/)
  --backend NAME       torch | cpu | webgpu | tensorflow (default: torch when built, else cpu)
  --device DEVICE      cpu or cuda:N (torch backend)
  --bf16               bf16 autocast (torch backend on CUDA)
  --<key.path>=VALUE   override any experiment setting, e.g. --train.epochs=1 --lora.rank=8 --decode.beam=4
  -h, --help           show this help
`;

/** Loads `experiments/<id>.ts` and sets its id. */
export async function loadExperiment(id: string): Promise<Experiment<NlgConfig>> {
  const file = join(EXPERIMENTS, `${id}.ts`);
  if (!existsSync(file)) throw new Error(`no experiment "${id}" (looked for ${file})`);
  const mod = (await import(pathToFileURL(file).href)) as { default?: Experiment<NlgConfig> };
  if (!mod.default || typeof mod.default !== 'object' || !('config' in mod.default)) throw new Error(`${file}: the default export must be an nlgExperiment(...)`);
  return { ...mod.default, id };
}

/** The experiment --model implies: the paper's GPT-2 M or L run for the task. */
function experimentForModel(task: NlgTask, modelPath: string): string {
  const configFile = join(modelPath, 'config.json');
  if (existsSync(configFile)) {
    const c = configFromHf(JSON.parse(readFileSync(configFile, 'utf8')), configFile);
    if (c.nEmbd >= 1280) return `${task}/gpt2-large-lora`;
  }
  return `${task}/gpt2-medium-lora`;
}

export async function main(argv: readonly string[]): Promise<number> {
  const [task, ...rest] = argv;
  if (!task || task === '-h' || task === '--help') {
    process.stdout.write(USAGE);
    return task ? 0 : 2;
  }
  if (!(TASKS as readonly string[]).includes(task)) {
    process.stderr.write(`nlg: unknown task "${task}" (expected ${TASKS.join(', ')})\n\n${USAGE}`);
    return 2;
  }
  const { overrides, rest: args } = splitOverrideArgs(rest, NLG_DEFAULTS);
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      experiment: { type: 'string' },
      model: { type: 'string' },
      data: { type: 'string' },
      tokenizer: { type: 'string' },
      seed: { type: 'string' },
      resume: { type: 'boolean' },
      results: { type: 'string' },
      runs: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      ...Object.fromEntries(BACKEND_OPTIONS.map((o) => [o.name, { type: o.type }])),
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const modelPath = userPath(values.model as string | undefined);
  const dataPath = userPath(values.data as string | undefined);
  const tokenizerPath = userPath(values.tokenizer as string | undefined);
  const backend = await setupBackend(backendOptionsFromArgs(values));
  if (backend.fallbackReason) process.stderr.write(`nlg: ${backend.fallbackReason}\n`);
  let id = values.experiment as string | undefined;
  if (id === undefined && modelPath) id = experimentForModel(task as NlgTask, modelPath);
  if (id === undefined) {
    // The embedded default, made smaller on the pure-JS cpu backend.
    id = backend.backend === 'cpu' ? `${task}/tiny-synthetic-cpu` : `${task}/tiny-synthetic`;
    if (backend.backend === 'cpu') process.stderr.write(`nlg: cpu backend, so the smaller default ${id}\n`);
  }
  const loaded = await loadExperiment(id);
  if (loaded.config.task !== task) throw new Error(`experiment ${id} is for ${loaded.config.task}, not ${task}`);
  let config = applyOverrides(loaded.config, overrides);
  if (values.seed !== undefined) {
    const seed = Number(values.seed);
    if (!Number.isInteger(seed) || seed < 0) throw new Error(`--seed needs a non-negative integer (got "${String(values.seed)}")`);
    config = { ...config, seeds: [seed] };
  }
  await runNlg({
    experiment: { ...loaded, config },
    ...(modelPath ? { modelPath } : {}),
    ...(dataPath ? { dataPath } : {}),
    ...(tokenizerPath ? { tokenizerPath } : {}),
    resultsDir: userPath(values.results as string | undefined) ?? join(ROOT, 'results'),
    runsDir: userPath(values.runs as string | undefined) ?? join(ROOT, 'runs'),
    resume: values.resume === true,
    backend: { name: backend.backend, device: backend.device, description: backend.description },
  });
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`nlg: ${(e as Error).message}\n`);
      if (process.env.LORATS_DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
      process.exit(1);
    },
  );
}
