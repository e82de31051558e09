// Run records (style C13): one JSON file per run, `results/<app>/<experiment>/<seed>.json`, one schema for NLG and
// NLU, validated when written and when read. Tables are generated from these records, never typed by hand.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Json } from './config.js';
import { writeFileAtomicSync } from './files.js';

export const RUN_RECORD_SCHEMA = 'lorats.run-record/1';

/** Where the run's inputs came from; tables use this to tell a paper reproduction from a smoke run. */
export interface RunInputs {
  /** Model preset or checkpoint name, e.g. `gpt2-medium`, `gpt2-tiny`, `roberta-base`. */
  model: string;
  /** `pretrained` when real weights were loaded, `random` for a randomly initialised model. */
  weights: 'pretrained' | 'random';
  modelPath?: string;
  /** `full` for the real data set, `synthetic` for generated data, `sample` for a subset. */
  data: 'full' | 'synthetic' | 'sample';
  dataPath?: string;
}

export interface RunEnvironment {
  /** tfjs backend name, e.g. `torch`, `cpu`, `webgpu`. */
  backend: string;
  device?: string;
  node: string;
  platform: string;
  arch: string;
  cpus: number;
  cpuModel: string;
  /** Package name → version. */
  packages: Record<string, string>;
}

export interface RunTraining {
  /** Optimizer updates done. */
  steps: number;
  epochs: number;
  trainableParameters: number;
  /** Mean training loss over the last logged interval. */
  finalLoss: number;
  /** [step, loss] pairs, the curve the SVG shows. */
  lossCurve: Array<[number, number]>;
  /** [step, validation loss] pairs. */
  validation?: Array<[number, number]>;
  /** Step of the checkpoint the run resumed from, if it did. */
  resumedFrom?: number;
}

export interface RunRecord {
  schema: typeof RUN_RECORD_SCHEMA;
  app: 'nlg' | 'nlu';
  /** Experiment id: its path under the app's `experiments/` without extension, e.g. `e2e/gpt2-medium-lora`. */
  experiment: string;
  /** Data set or task, e.g. `e2e`, `dart`, `webnlg`, `mnli`. */
  task: string;
  seed: number;
  status: 'complete' | 'failed';
  error?: string;
  inputs: RunInputs;
  /** The fully resolved experiment config. */
  config: { [key: string]: Json };
  code: { commit: string; dirty: boolean };
  environment: RunEnvironment;
  /** ISO 8601 times. */
  started: string;
  finished: string;
  /** Seconds per phase (`total`, `train`, `decode`, `evaluate`, …) and rates such as `trainTokensPerSecond`. */
  timings: Record<string, number>;
  training?: RunTraining;
  /** Headline metrics on the scale the paper prints (BLEU 70.4, NIST 8.85, accuracy 87.5, …), keyed by lower-case name. */
  metrics: Record<string, number>;
  /** Metrics per split, e.g. WebNLG `seen` / `unseen` / `all`, MNLI `matched` / `mismatched`. */
  splits?: Record<string, Record<string, number>>;
  /** Files written beside the record (paths relative to its folder), e.g. `lossCurve`, `predictions`. */
  artifacts: Record<string, string>;
  /** Anything a reader of the numbers must know (e.g. a metric computed without an optional resource). */
  notes?: string[];
}

/** Thrown when a run record does not match the schema; the message names the file and field. */
export class RunRecordError extends Error {
  override name = 'RunRecordError';
}

type Check = (v: unknown, path: string) => void;

const fail = (path: string, what: string, v: unknown): never => {
  throw new RunRecordError(`${path}: expected ${what}, got ${v === undefined ? 'nothing' : JSON.stringify(v)?.slice(0, 80)}`);
};
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str: Check = (v, p) => void (typeof v === 'string' || fail(p, 'a string', v));
const nonEmpty: Check = (v, p) => void ((typeof v === 'string' && v.length > 0) || fail(p, 'a non-empty string', v));
const num: Check = (v, p) => void ((typeof v === 'number' && Number.isFinite(v)) || fail(p, 'a finite number', v));
const int: Check = (v, p) => void ((typeof v === 'number' && Number.isInteger(v) && v >= 0) || fail(p, 'an integer ≥ 0', v));
const bool: Check = (v, p) => void (typeof v === 'boolean' || fail(p, 'a boolean', v));
const oneOf =
  (...values: string[]): Check =>
  (v, p) =>
    void (values.includes(v as string) || fail(p, `one of ${values.join(', ')}`, v));
const iso: Check = (v, p) => void ((typeof v === 'string' && !Number.isNaN(Date.parse(v))) || fail(p, 'an ISO date', v));
const recordOf =
  (check: Check): Check =>
  (v, p) => {
    if (!isObj(v)) fail(p, 'an object', v);
    for (const [k, x] of Object.entries(v as object)) check(x, `${p}.${k}`);
  };
const pairs: Check = (v, p) => {
  if (!Array.isArray(v)) fail(p, 'an array of [x, y] pairs', v);
  (v as unknown[]).forEach((pt, i) => {
    if (!Array.isArray(pt) || pt.length !== 2) fail(`${p}[${i}]`, 'an [x, y] pair', pt);
    num((pt as unknown[])[0], `${p}[${i}][0]`);
    num((pt as unknown[])[1], `${p}[${i}][1]`);
  });
};
const json: Check = (v, p) => {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
  if (typeof v === 'number') return num(v, p);
  if (Array.isArray(v)) return v.forEach((x, i) => json(x, `${p}[${i}]`));
  if (isObj(v)) return Object.entries(v).forEach(([k, x]) => json(x, `${p}.${k}`));
  fail(p, 'a JSON value', v);
};

function object(fields: Record<string, Check>, optional: Record<string, Check> = {}): Check {
  return (v, p) => {
    if (!isObj(v)) fail(p, 'an object', v);
    const o = v as Record<string, unknown>;
    for (const [k, check] of Object.entries(fields)) check(o[k], `${p}.${k}`);
    for (const [k, check] of Object.entries(optional)) if (o[k] !== undefined) check(o[k], `${p}.${k}`);
    for (const k of Object.keys(o)) if (!(k in fields) && !(k in optional)) throw new RunRecordError(`${p}: unknown field "${k}"`);
  };
}

const checkRecord = object(
  {
    schema: oneOf(RUN_RECORD_SCHEMA),
    app: oneOf('nlg', 'nlu'),
    experiment: nonEmpty,
    task: nonEmpty,
    seed: int,
    status: oneOf('complete', 'failed'),
    inputs: object({ model: nonEmpty, weights: oneOf('pretrained', 'random'), data: oneOf('full', 'synthetic', 'sample') }, { modelPath: str, dataPath: str }),
    config: (v, p) => (isObj(v) ? json(v, p) : fail(p, 'an object', v)),
    code: object({ commit: nonEmpty, dirty: bool }),
    environment: object(
      { backend: nonEmpty, node: str, platform: str, arch: str, cpus: int, cpuModel: str, packages: recordOf(str) },
      { device: str },
    ),
    started: iso,
    finished: iso,
    timings: recordOf(num),
    metrics: recordOf(num),
    artifacts: recordOf(str),
  },
  {
    error: str,
    training: object(
      { steps: int, epochs: num, trainableParameters: int, finalLoss: num, lossCurve: pairs },
      { validation: pairs, resumedFrom: int },
    ),
    splits: recordOf(recordOf(num)),
    notes: (v, p) => (Array.isArray(v) ? v.forEach((x, i) => str(x, `${p}[${i}]`)) : fail(p, 'an array of strings', v)),
  },
);

/** Checks `value` against the schema and returns it typed; throws `RunRecordError` naming `where` and the field. */
export function parseRunRecord(value: unknown, where = 'run record'): RunRecord {
  try {
    checkRecord(value, 'record');
  } catch (e) {
    if (e instanceof RunRecordError) throw new RunRecordError(`${where}: ${e.message}`);
    throw e;
  }
  const r = value as RunRecord;
  if (r.status === 'failed' && !r.error) throw new RunRecordError(`${where}: record.error: a failed run must say why`);
  return r;
}

/** Reads and validates a record file. */
export function readRunRecord(file: string): RunRecord {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new RunRecordError(`${file}: not readable JSON (${(e as Error).message})`);
  }
  return parseRunRecord(value, file);
}

/** Validates and writes a record atomically (2-space JSON, trailing newline). */
export function writeRunRecord(file: string, record: RunRecord): void {
  parseRunRecord(record, file);
  writeFileAtomicSync(file, `${JSON.stringify(record, null, 2)}\n`);
}

/** `<resultsDir>/<app>/<experiment>/<seed>.json`. */
export function runRecordPath(resultsDir: string, app: string, experiment: string, seed: number): string {
  return join(resultsDir, app, ...experiment.split('/'), `${seed}.json`);
}
