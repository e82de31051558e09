// The GLUE columns shared by the paper's Table 2 and loralib's README table: the task's headline metric on the dev
// set, as examples/NLU reports it (MNLI matched accuracy, CoLA Matthews correlation, STS-B Pearson, the rest accuracy).
import type { Cell, Column } from '../spec.js';
import { metric } from '../spec.js';

export const GLUE_TASKS = ['mnli', 'sst2', 'mrpc', 'cola', 'qnli', 'qqp', 'rte', 'stsb'] as const;
export type GlueTaskId = (typeof GLUE_TASKS)[number];

/** The record metric each task is judged by (apps/nlu writes these keys, ×100). */
export const GLUE_HEADLINE: Record<GlueTaskId, string> = {
  mnli: 'accuracy',
  sst2: 'accuracy',
  mrpc: 'accuracy',
  cola: 'matthews',
  qnli: 'accuracy',
  qqp: 'accuracy',
  rte: 'accuracy',
  stsb: 'pearson',
};

const LABEL: Record<GlueTaskId, string> = {
  mnli: 'MNLI (m acc)',
  sst2: 'SST-2 (acc)',
  mrpc: 'MRPC (acc)',
  cola: 'CoLA (MCC)',
  qnli: 'QNLI (acc)',
  qqp: 'QQP (acc)',
  rte: 'RTE (acc)',
  stsb: 'STS-B (Pearson)',
};

export function glueColumn(task: GlueTaskId): Column {
  return { id: task, label: LABEL[task], better: 'higher', format: { kind: 'fixed', digits: 1 } };
}

/** The cell of one task for a model preset (experiment `<preset>/<task>`). */
export function glueCell(preset: string, task: GlueTaskId, paper: string | null): Cell {
  return metric(`${preset}/${task}`, GLUE_HEADLINE[task], paper);
}

/** The smoke experiments standing in for every task (a random tiny RoBERTa on synthetic data). */
export const GLUE_SMOKE = GLUE_TASKS.map((t) => `tiny/${t}`);
