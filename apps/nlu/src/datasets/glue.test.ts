import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GLUE, GLUE_TASKS, glueTask, numLabels, readGlueTask, readGlueTsv } from './glue.js';
import { syntheticExamples, writeSyntheticGlue } from './synthetic-glue.js';

const SHARED = new URL('../../../../../shared/data/glue/', import.meta.url).pathname;
const hasShared = existsSync(SHARED);

describe('GLUE readers on the real data', () => {
  // Dev sizes of the original GLUE release.
  it.skipIf(!hasShared).each([
    ['cola', 1043, 2],
    ['sst2', 872, 2],
    ['mrpc', 408, 2],
    ['stsb', 1500, 1],
    ['qnli', 5463, 2],
    ['rte', 277, 2],
  ] as const)('reads %s dev (%i examples, %i outputs)', (task, size, outputs) => {
    const spec = glueTask(task);
    const data = readGlueTask(spec, SHARED, { train: false });
    const dev = Object.values(data.dev)[0];
    expect(dev).toHaveLength(size);
    expect(numLabels(spec)).toBe(outputs);
    for (const e of dev) {
      expect(e.a.length).toBeGreaterThan(0);
      expect(e.b === undefined).toBe(spec.columns.b === undefined);
      if (spec.labels.length > 0) expect(e.label >= 0 && e.label < spec.labels.length).toBe(true);
      else expect(e.label >= 0 && e.label <= 5).toBe(true);
    }
  });

  it.skipIf(!hasShared)('reads MRPC past its byte-order mark and RTE labels by name', () => {
    const mrpc = readGlueTsv(GLUE.mrpc, join(SHARED, 'MRPC', 'dev.tsv'));
    expect(mrpc[0]).toEqual({
      a: "He said the foodservice pie business doesn 't fit the company 's long-term growth strategy .",
      b: '" The foodservice pie business does not fit our long-term growth strategy .',
      label: 1,
    });
    const rte = readGlueTsv(GLUE.rte, join(SHARED, 'RTE', 'dev.tsv'));
    expect(rte[0].label).toBe(1); // not_entailment
  });
});

describe('GLUE readers on bad input', () => {
  const dir = mkdtempSync(join(tmpdir(), 'glue-'));

  it('names the file and line of a short row', () => {
    const f = join(dir, 'rte-bad.tsv');
    writeFileSync(f, 'index\tsentence1\tsentence2\tlabel\n0\ta\tb\tentailment\n1\tonly two\n');
    expect(() => readGlueTsv(GLUE.rte, f)).toThrow(/rte-bad\.tsv:3: expected at least 4 tab-separated fields, found 2/);
  });

  it('names an unknown label and a non-numeric score', () => {
    const f = join(dir, 'rte-label.tsv');
    writeFileSync(f, 'index\tsentence1\tsentence2\tlabel\n0\ta\tb\tmaybe\n');
    expect(() => readGlueTsv(GLUE.rte, f)).toThrow(/rte-label\.tsv:2: label "maybe" is not one of entailment, not_entailment/);
    const g = join(dir, 'stsb.tsv');
    writeFileSync(g, `${'h\t'.repeat(9)}h\n0\tg\tf\ty\to\ts\ts\ta\tb\tfive\n`);
    expect(() => readGlueTsv(GLUE.stsb, g)).toThrow(/stsb\.tsv:2: score "five" is not a number/);
  });

  it('skips QQP rows with missing fields, as GLUE’s processor does', () => {
    const f = join(dir, 'qqp.tsv');
    writeFileSync(f, 'id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate\n0\t1\t2\tq1?\tq2?\t1\n1\t3\t4\tbroken\n');
    expect(readGlueTsv(GLUE.qqp, f)).toEqual([{ a: 'q1?', b: 'q2?', label: 1 }]);
  });

  it('rejects unknown tasks and folders without the files', () => {
    expect(() => glueTask('squad')).toThrow(/unknown GLUE task "squad"/);
    expect(glueTask('SST-2').name).toBe('sst2');
    expect(() => readGlueTask(GLUE.mnli, dir)).toThrow(/dev_matched\.tsv and dev_mismatched\.tsv/);
  });
});

describe('synthetic GLUE data', () => {
  it.each(GLUE_TASKS)('round-trips %s through its TSV layout', (task) => {
    const root = mkdtempSync(join(tmpdir(), `syn-${task}-`));
    writeSyntheticGlue(root, task, { train: 20, dev: 8 }, 3);
    const data = readGlueTask(GLUE[task], root);
    const expected = syntheticExamples(task, 20, 3);
    expect(data.train.map((e) => ({ ...e, label: Number(e.label.toFixed(3)) }))).toEqual(expected.map((e) => ({ ...e, label: Number(e.label.toFixed(3)) })));
    expect(Object.keys(data.dev)).toEqual(Object.values(GLUE[task].dev));
    const labels = new Set(data.train.map((e) => e.label));
    expect(labels.size).toBeGreaterThan(1);
  });
});
