// Test helpers: valid run records with only what a test cares about set.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { RUN_RECORD_SCHEMA, type RunRecord } from '@lorats/experiment';

export interface RecordOptions {
  app?: 'nlg' | 'nlu';
  experiment: string;
  seed: number;
  metrics?: Record<string, number>;
  splits?: Record<string, Record<string, number>>;
  weights?: RunRecord['inputs']['weights'];
  data?: RunRecord['inputs']['data'];
  config?: RunRecord['config'];
  status?: RunRecord['status'];
  error?: string;
  params?: number;
  lossCurve?: Array<[number, number]>;
}

export function makeRecord(o: RecordOptions): RunRecord {
  return {
    schema: RUN_RECORD_SCHEMA,
    app: o.app ?? 'nlu',
    experiment: o.experiment,
    task: o.experiment.split('/').pop() as string,
    seed: o.seed,
    status: o.status ?? 'complete',
    ...(o.error ? { error: o.error } : {}),
    inputs: { model: 'roberta-base', weights: o.weights ?? 'pretrained', data: o.data ?? 'full' },
    config: o.config ?? { lr: 1 },
    code: { commit: 'abc', dirty: false },
    environment: { backend: 'torch', device: 'cuda:0', node: 'v20', platform: 'linux', arch: 'x64', cpus: 2, cpuModel: 'x', packages: {} },
    started: '2026-01-01T00:00:00.000Z',
    finished: '2026-01-01T01:00:00.000Z',
    timings: { total: 3600 },
    training: { steps: 10, epochs: 1, trainableParameters: o.params ?? 1000, finalLoss: 0.5, lossCurve: o.lossCurve ?? [[1, 1], [10, 0.5]] },
    metrics: o.metrics ?? {},
    ...(o.splits ? { splits: o.splits } : {}),
    artifacts: {},
  };
}

/** Writes records where the apps put them: `<resultsDir>/<app>/<experiment>/<seed>.json`. */
export function writeRecords(resultsDir: string, records: readonly RunRecord[]): void {
  for (const r of records) {
    const file = join(resultsDir, r.app, ...r.experiment.split('/'), `${r.seed}.json`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(r, null, 2)}\n`);
  }
}
