// Run records under results/<app>/<experiment>/<seed>.json, read and validated with @lorats/experiment, and sorted
// into what may fill a paper cell and what may not: smoke runs (random weights or synthetic data), failed runs, and
// runs whose settings or data differ from their experiment's.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { readRunRecord, type RunRecord } from '@lorats/experiment';
import { APPS, configDifferences, type ConfigObject, type ExperimentConfigs } from './experiments.js';

/** `paper`: fills the paper's cells; the others are listed apart, with why. */
export type RecordKind = 'paper' | 'smoke' | 'failed' | 'other';

export interface LoadedRecord {
  record: RunRecord;
  /** Path under the results folder, with `/` separators, e.g. `nlu/roberta-base/mnli/0.json`. */
  file: string;
  kind: RecordKind;
  /** Why the record does not fill a paper cell (empty for `paper`). */
  why: string[];
}

/** Record files: `<app>/<experiment path>/<seed>.json`; folders starting with `.` (generated data) are skipped. */
function recordFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      if (name.startsWith('.')) return [];
      const p = join(dir, name);
      if (statSync(p).isDirectory()) return recordFiles(p);
      return /^\d+\.json$/.test(name) ? [p] : [];
    });
}

/** Why a record may not fill a paper cell; empty when it may. */
export function classify(record: RunRecord, experiment: ConfigObject | undefined): { kind: RecordKind; why: string[] } {
  if (record.status === 'failed') return { kind: 'failed', why: [`failed: ${record.error ?? 'no reason recorded'}`] };
  const smoke: string[] = [];
  if (record.inputs.weights === 'random') smoke.push(`random ${record.inputs.model} weights`);
  if (record.inputs.data === 'synthetic') smoke.push('synthetic data');
  if (smoke.length > 0) return { kind: 'smoke', why: smoke };
  const other: string[] = [];
  if (record.inputs.data === 'sample') other.push('a sample of the data');
  if (!experiment) other.push(`experiment ${record.app}/${record.experiment} no longer exists`);
  else other.push(...configDifferences(record.config as ConfigObject, experiment));
  return other.length > 0 ? { kind: 'other', why: other } : { kind: 'paper', why: [] };
}

/**
 * Reads every record under `resultsDir` (validated; a malformed file is an error naming it), checks that its path
 * matches its app, experiment and seed, and classifies it. Sorted by app, experiment, seed.
 */
export function loadRecords(resultsDir: string, experiments: ExperimentConfigs): LoadedRecord[] {
  const out: LoadedRecord[] = [];
  for (const app of APPS) {
    for (const path of recordFiles(join(resultsDir, app))) {
      const record = readRunRecord(path);
      const file = relative(resultsDir, path).split(sep).join('/');
      const expected = `${record.app}/${record.experiment}/${record.seed}.json`;
      if (file !== expected) throw new Error(`${path}: a record of ${record.app} ${record.experiment} seed ${record.seed} belongs at ${expected} under ${resultsDir}`);
      out.push({ record, file, ...classify(record, experiments.get(`${record.app}/${record.experiment}`)) });
    }
  }
  return out.sort((a, b) => a.record.app.localeCompare(b.record.app) || a.record.experiment.localeCompare(b.record.experiment) || a.record.seed - b.record.seed);
}
