import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeRecord, writeRecords } from '../test/records.js';
import type { ExperimentConfigs } from './experiments.js';
import { loadRecords } from './records.js';
import { NOT_IN_REFERENCE, defineTable, metric, params } from './spec.js';
import { byExperiment, computeRow, renderTable } from './table.js';

const CONFIG = { lr: 0.0005, epochs: 30, lora: { rank: 8, alpha: 16 }, seeds: [0, 1, 2, 3, 4], paper: null };
const experiments: ExperimentConfigs = new Map(
  ['nlu/base/mnli', 'nlu/base/rte', 'nlu/tiny/mnli', 'nlg/e2e/m', 'nlg/webnlg/m'].map((k) => [k, CONFIG]),
);

const glue = defineTable({
  id: 'glue',
  title: 'GLUE',
  app: 'nlu',
  citation: 'the paper',
  aggregate: 'median',
  seeds: 5,
  columns: [
    { id: 'params', label: 'params', better: null, format: { kind: 'params', digits: 2 } },
    { id: 'mnli', label: 'MNLI', better: 'higher', format: { kind: 'fixed', digits: 1 } },
    { id: 'rte', label: 'RTE', better: 'higher', format: { kind: 'fixed', digits: 1 } },
    { id: 'avg', label: 'Avg', better: 'higher', format: { kind: 'fixed', digits: 1 }, meanOf: ['mnli', 'rte'] },
  ],
  rows: [
    {
      label: 'base LoRA',
      needs: 'base weights',
      cells: { params: params('base/mnli', '0.3M'), mnli: metric('base/mnli', 'accuracy', '87.5±.3'), rte: metric('base/rte', 'accuracy', '86.6±.7'), avg: { paper: '87.1' } },
    },
  ],
  smoke: ['tiny/mnli'],
  reproduce: ['nx run nlu:glue-all'],
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lorats-results-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function rowOf(spec = glue) {
  return computeRow(spec, spec.rows[0], byExperiment(loadRecords(dir, experiments)));
}

describe('cells', () => {
  it('takes the median of the seeds for GLUE and the mean for GPT-2', () => {
    writeRecords(
      dir,
      [90, 80, 85, 70, 88].map((accuracy, seed) => makeRecord({ experiment: 'base/mnli', seed, metrics: { accuracy }, config: CONFIG })),
    );
    expect(rowOf().get('mnli')).toMatchObject({ ours: 85 });
    expect(rowOf().get('mnli')?.records.map((r) => r.record.seed)).toEqual([0, 1, 2, 3, 4]);
    const mean = defineTable({ ...glue, aggregate: 'mean' });
    expect(rowOf(mean).get('mnli')?.ours).toBeCloseTo(82.6, 10);
  });

  it('never fills a paper cell from a smoke run, and says so', () => {
    writeRecords(dir, [
      makeRecord({ experiment: 'base/mnli', seed: 0, metrics: { accuracy: 99 }, weights: 'random', config: CONFIG }),
      makeRecord({ experiment: 'base/mnli', seed: 1, metrics: { accuracy: 98 }, data: 'synthetic', config: CONFIG }),
    ]);
    const cell = rowOf().get('mnli');
    expect(cell?.ours).toBeUndefined();
    expect(cell?.reason).toMatch(/only smoke runs/);
    const md = renderTable(glue, loadRecords(dir, experiments));
    const [table, smoke] = md.split('## Smoke runs');
    expect(table).not.toMatch(/9[89]\.0/);
    expect(table).toMatch(/\| base LoRA \| MNLI \| —¹ \| 87\.5±\.3 \| {2}\| 0\/5 \| {2}\|/);
    expect(smoke).toContain('accuracy 99.00');
    expect(md.split('## Smoke runs')[1]).toContain('[0](../nlu/base/mnli/0.json)');
    expect(md.split('## Smoke runs')[1]).toContain('random weights');
  });

  it('keeps runs with overridden settings, a data sample or a failure out of the cell, saying why', () => {
    writeRecords(dir, [
      makeRecord({ experiment: 'base/mnli', seed: 0, metrics: { accuracy: 90 }, config: { ...CONFIG, epochs: 1 } }),
      makeRecord({ experiment: 'base/mnli', seed: 1, metrics: { accuracy: 90 }, config: CONFIG, data: 'sample' }),
      makeRecord({ experiment: 'base/mnli', seed: 2, config: CONFIG, status: 'failed', error: 'out of memory' }),
      makeRecord({ experiment: 'base/mnli', seed: 3, metrics: { accuracy: 90 }, config: { ...CONFIG, evalOnlyAdapter: 'x.bin' } }),
    ]);
    expect(rowOf().get('mnli')?.reason).toMatch(/settings or data differ/);
    const other = renderTable(glue, loadRecords(dir, experiments)).split('## Other runs')[1];
    expect(other).toContain('epochs: 1 (experiment: 30)');
    expect(other).toContain('a sample of the data');
    expect(other).toContain('failed: out of memory');
    expect(other).toContain('evalOnlyAdapter: "x.bin" (not an experiment setting)');
  });

  it('ignores the seeds and paper settings and settings the record predates', () => {
    const { seeds: _seeds, ...older } = CONFIG;
    writeRecords(dir, [makeRecord({ experiment: 'base/mnli', seed: 7, metrics: { accuracy: 90 }, config: { ...older, seeds: [7], lora: { rank: 8 } } })]);
    expect(rowOf().get('mnli')?.ours).toBe(90);
  });

  it('says "not run" with what the row needs when there is no record', () => {
    expect(rowOf().get('rte')?.reason).toBe('not run: needs base weights');
    const md = renderTable(glue, []);
    expect(md).toMatch(/\| base LoRA \| RTE \| —¹ \| 86\.6±\.7 \|/);
    expect(md).toContain('¹ not run: needs base weights');
  });

  it('averages derived columns only when every averaged column has a value', () => {
    writeRecords(dir, [makeRecord({ experiment: 'base/mnli', seed: 0, metrics: { accuracy: 88 }, config: CONFIG })]);
    expect(rowOf().get('avg')?.reason).toMatch(/missing: rte/);
    writeRecords(dir, [makeRecord({ experiment: 'base/rte', seed: 0, metrics: { accuracy: 86 }, config: CONFIG })]);
    expect(rowOf().get('avg')?.ours).toBe(87);
  });

  it('reads split metrics and parameter counts', () => {
    writeRecords(dir, [
      makeRecord({ app: 'nlg', experiment: 'webnlg/m', seed: 1, metrics: { bleu: 55 }, splits: { unseen: { bleu: 46.5 } }, config: CONFIG, params: 393216 }),
    ]);
    const spec = defineTable({
      ...glue,
      app: 'nlg',
      columns: [
        { id: 'u', label: 'U', better: 'higher', format: { kind: 'fixed', digits: 1 } },
        { id: 's', label: 'S', better: 'higher', format: { kind: 'fixed', digits: 1 } },
        { id: 'p', label: 'p', better: null, format: { kind: 'params', digits: 2 } },
      ],
      rows: [{ label: 'M', needs: 'x', cells: { u: metric('webnlg/m', 'bleu', '46.7±.4', 'unseen'), s: metric('webnlg/m', 'bleu', null, 'seen'), p: params('webnlg/m', '0.35M') } }],
      smoke: [],
    });
    const row = rowOf(spec);
    expect(row.get('u')?.ours).toBe(46.5);
    expect(row.get('s')?.reason).toBe('the records have no `bleu` for the seen split');
    expect(row.get('p')?.ours).toBe(393216);
    const md = renderTable(spec, loadRecords(dir, experiments));
    expect(md).toContain('| M | U | 46.5 | 46.7±.4 | -0.2 (worse) | 1/5 | [1](../nlg/webnlg/m/1.json) |');
    expect(md).toContain('| M | p | 0.39M | 0.35M | +0.04M | 1/5 |');
    expect(md).toMatch(/\| M \| S \| —¹ \| —² \|/);
  });

  it('shows the spread over seeds and judges the difference', () => {
    writeRecords(
      dir,
      [87.0, 88.0, 89.0].map((accuracy, seed) => makeRecord({ experiment: 'base/mnli', seed, metrics: { accuracy }, config: CONFIG })),
    );
    expect(renderTable(glue, loadRecords(dir, experiments))).toContain('| base LoRA | MNLI | 88.0±1.0 | 87.5±.3 | +0.5 (better) | 3/5 |');
  });

  it('says why a paper cell is empty: the paper prints none, or our reference material does not give it', () => {
    const rows = [{ ...glue.rows[0], cells: { ...glue.rows[0].cells, mnli: { ...metric('base/mnli', 'accuracy', null), paperMissing: NOT_IN_REFERENCE }, rte: metric('base/rte', 'accuracy', null) } }];
    const md = renderTable(defineTable({ ...glue, rows }), []);
    expect(md).toMatch(/\| base LoRA \| MNLI \| —¹ \| —² \|/);
    expect(md).toMatch(/\| base LoRA \| RTE \| —¹ \| —³ \|/);
    expect(md).toContain(`² ${NOT_IN_REFERENCE}`);
    expect(md).toContain('³ the paper prints no number here');
    expect(() => defineTable({ ...glue, rows: [{ ...rows[0], cells: { mnli: { paper: '1.0', paperMissing: 'x' } } }] })).toThrow(/column mnli: a paper number and a reason it is missing/);
  });
});

describe('records', () => {
  it('rejects a record stored under another experiment or seed, naming the file', () => {
    const r = makeRecord({ experiment: 'base/mnli', seed: 3 });
    mkdirSync(join(dir, 'nlu', 'base', 'rte'), { recursive: true });
    writeFileSync(join(dir, 'nlu', 'base', 'rte', '3.json'), JSON.stringify(r));
    expect(() => loadRecords(dir, experiments)).toThrow(/rte[/\\]3\.json: a record of nlu base\/mnli seed 3 belongs at nlu\/base\/mnli\/3\.json/);
  });

  it('rejects a malformed record, naming the file and the field', () => {
    const r = { ...makeRecord({ experiment: 'base/mnli', seed: 0 }), metrics: { accuracy: 'high' } };
    writeRecords(dir, [r as never]);
    expect(() => loadRecords(dir, experiments)).toThrow(/mnli[/\\]0\.json: record\.metrics\.accuracy: expected a finite number/);
  });

  it('skips generated folders and files that are not records', () => {
    mkdirSync(join(dir, 'nlu', '.synthetic', 'x'), { recursive: true });
    writeFileSync(join(dir, 'nlu', '.synthetic', 'x', '0.json'), 'not json');
    mkdirSync(join(dir, 'nlu', 'base', 'mnli', '0-adapter'), { recursive: true });
    writeFileSync(join(dir, 'nlu', 'base', 'mnli', '0-adapter', 'adapter_config.json'), '{}');
    expect(loadRecords(dir, experiments)).toEqual([]);
  });
});
