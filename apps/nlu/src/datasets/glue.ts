// GLUE (Wang et al. 2018) in its original TSV layout, as the GLUE download script lays it out: one folder per task
// with train.tsv and dev.tsv (MNLI: dev_matched.tsv and dev_mismatched.tsv). Label ids follow HF datasets' `glue`
// label order, which examples/NLU's run_glue.py (and its released checkpoints' heads) use.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const GLUE_TASKS = ['mnli', 'sst2', 'mrpc', 'cola', 'qnli', 'qqp', 'rte', 'stsb'] as const;
export type GlueTask = (typeof GLUE_TASKS)[number];

/** How to read one task and score it. */
export interface GlueTaskSpec {
  name: GlueTask;
  /** Folder name in the GLUE download. */
  folder: string;
  /** Label names in id order; empty for regression (STS-B). */
  labels: readonly string[];
  /** Column of the first and (pair tasks) second sentence, of the label; -1 = last column. */
  columns: { a: number; b?: number; label: number };
  /** The file has a header line. */
  header: boolean;
  /** Dev splits: file name → split name in results (MNLI: matched, mismatched). */
  dev: Record<string, string>;
  /** Headline metric on the paper's scale (×100), then the others computed. */
  metric: 'accuracy' | 'matthews' | 'pearson';
  /** QQP has rows with missing fields; GLUE's processors skip them. */
  skipMalformed?: boolean;
}

export const GLUE: Record<GlueTask, GlueTaskSpec> = {
  mnli: {
    name: 'mnli',
    folder: 'MNLI',
    labels: ['entailment', 'neutral', 'contradiction'],
    columns: { a: 8, b: 9, label: -1 },
    header: true,
    dev: { 'dev_matched.tsv': 'matched', 'dev_mismatched.tsv': 'mismatched' },
    metric: 'accuracy',
  },
  sst2: { name: 'sst2', folder: 'SST-2', labels: ['negative', 'positive'], columns: { a: 0, label: 1 }, header: true, dev: { 'dev.tsv': 'dev' }, metric: 'accuracy' },
  mrpc: {
    name: 'mrpc',
    folder: 'MRPC',
    labels: ['not_equivalent', 'equivalent'],
    columns: { a: 3, b: 4, label: 0 },
    header: true,
    dev: { 'dev.tsv': 'dev' },
    metric: 'accuracy',
  },
  cola: { name: 'cola', folder: 'CoLA', labels: ['unacceptable', 'acceptable'], columns: { a: 3, label: 1 }, header: false, dev: { 'dev.tsv': 'dev' }, metric: 'matthews' },
  qnli: {
    name: 'qnli',
    folder: 'QNLI',
    labels: ['entailment', 'not_entailment'],
    columns: { a: 1, b: 2, label: 3 },
    header: true,
    dev: { 'dev.tsv': 'dev' },
    metric: 'accuracy',
  },
  qqp: {
    name: 'qqp',
    folder: 'QQP',
    labels: ['not_duplicate', 'duplicate'],
    columns: { a: 3, b: 4, label: 5 },
    header: true,
    dev: { 'dev.tsv': 'dev' },
    metric: 'accuracy',
    skipMalformed: true,
  },
  rte: {
    name: 'rte',
    folder: 'RTE',
    labels: ['entailment', 'not_entailment'],
    columns: { a: 1, b: 2, label: 3 },
    header: true,
    dev: { 'dev.tsv': 'dev' },
    metric: 'accuracy',
  },
  stsb: { name: 'stsb', folder: 'STS-B', labels: [], columns: { a: 7, b: 8, label: 9 }, header: true, dev: { 'dev.tsv': 'dev' }, metric: 'pearson' },
};

/** Parses a task name as the scripts spell it (`sst2`, `SST-2`, `sts-b`, `MNLI`). */
export function glueTask(name: string): GlueTaskSpec {
  const key = name.toLowerCase().replace(/[-_]/g, '');
  const spec = (GLUE as Record<string, GlueTaskSpec | undefined>)[key];
  if (!spec) throw new Error(`unknown GLUE task "${name}" (expected one of ${GLUE_TASKS.join(', ')})`);
  return spec;
}

/** One example: one or two sentences and a label (class id, or the STS-B score). */
export interface GlueExample {
  a: string;
  b?: string;
  label: number;
}

/** The number of model outputs a task needs (1 for STS-B regression). */
export function numLabels(spec: GlueTaskSpec): number {
  return spec.labels.length === 0 ? 1 : spec.labels.length;
}

/** Reads one TSV split of a task; errors name the file and line. */
export function readGlueTsv(spec: GlueTaskSpec, file: string): GlueExample[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`${file}: cannot read (${(e as Error).message})`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // MRPC starts with a byte-order mark
  const lines = text.split(/\r?\n/);
  const out: GlueExample[] = [];
  for (let i = spec.header ? 1 : 0; i < lines.length; i++) {
    const line = lines[i];
    if (line === '') continue;
    const cols = line.split('\t');
    const at = (c: number) => (c < 0 ? cols[cols.length + c] : cols[c]);
    const need = Math.max(spec.columns.a, spec.columns.b ?? 0, spec.columns.label) + 1;
    const a = at(spec.columns.a);
    const b = spec.columns.b === undefined ? undefined : at(spec.columns.b);
    const raw = at(spec.columns.label);
    if (cols.length < need || a === undefined || (spec.columns.b !== undefined && b === undefined) || raw === undefined) {
      if (spec.skipMalformed) continue;
      throw new Error(`${file}:${i + 1}: expected at least ${need} tab-separated fields, found ${cols.length}`);
    }
    out.push({ a, ...(b === undefined ? {} : { b }), label: parseLabel(spec, raw.trim(), `${file}:${i + 1}`) });
  }
  if (out.length === 0) throw new Error(`${file}: no examples`);
  return out;
}

function parseLabel(spec: GlueTaskSpec, raw: string, where: string): number {
  if (spec.labels.length === 0) {
    const v = Number(raw);
    if (raw === '' || !Number.isFinite(v)) throw new Error(`${where}: score "${raw}" is not a number`);
    return v;
  }
  const byName = spec.labels.indexOf(raw);
  if (byName >= 0) return byName;
  // CoLA, SST-2, MRPC and QQP store the class id itself.
  if (/^\d+$/.test(raw) && Number(raw) < spec.labels.length) return Number(raw);
  throw new Error(`${where}: label "${raw}" is not one of ${spec.labels.join(', ')}`);
}

/** A task's train set and dev splits. */
export interface GlueData {
  spec: GlueTaskSpec;
  folder: string;
  train: GlueExample[];
  dev: Record<string, GlueExample[]>;
}

/** Reads `<root>/<TASK>/train.tsv` and the dev files; `root` may also be the task folder itself. */
export function readGlueTask(spec: GlueTaskSpec, root: string, options: { train?: boolean } = {}): GlueData {
  const folder = existsSync(join(root, spec.folder)) ? join(root, spec.folder) : root;
  const devFiles = Object.keys(spec.dev);
  if (!devFiles.every((f) => existsSync(join(folder, f)))) {
    throw new Error(`${folder}: no GLUE ${spec.folder} files (expected ${devFiles.join(' and ')}${options.train === false ? '' : ' and train.tsv'})`);
  }
  const dev: Record<string, GlueExample[]> = {};
  for (const [file, split] of Object.entries(spec.dev)) dev[split] = readGlueTsv(spec, join(folder, file));
  const train = options.train === false ? [] : readGlueTsv(spec, join(folder, 'train.tsv'));
  return { spec, folder, train, dev };
}
