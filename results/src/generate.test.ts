import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRecord, writeRecords } from '../test/records.js';
import { decodeRatio, readBench, renderThroughput, type DecodeEntry } from './bench.js';
import { loadExperimentConfigs, type ExperimentConfigs } from './experiments.js';
import { diffWithDisk, generateAll } from './generate.js';
import { lossPlots, throughputSvg } from './plots.js';
import { loadRecords } from './records.js';
import { GLUE_HEADLINE, GLUE_TASKS } from './specs/glue-columns.js';
import { TABLES } from './specs/index.js';
import { parsePaper } from './spec.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let experiments: ExperimentConfigs;

beforeAll(async () => {
  experiments = await loadExperimentConfigs(ROOT);
});

describe('committed tables', () => {
  it('are what the run records produce (run `pnpm exec nx run results:tables` after adding records)', () => {
    const generated = generateAll({ resultsDir: join(ROOT, 'results'), experiments });
    const { changed, missing, stale } = diffWithDisk(join(ROOT, 'results'), generated);
    expect({ changed, missing, stale }).toEqual({ changed: [], missing: [], stale: [] });
  });

  it('name experiments that exist in the apps', () => {
    for (const spec of TABLES)
      for (const row of spec.rows)
        for (const cell of Object.values(row.cells)) if (cell.source) expect(experiments.has(`${spec.app}/${cell.source.experiment}`), `${spec.id}: ${cell.source.experiment}`).toBe(true);
  });
});

describe('paper numbers', () => {
  const glueTables = TABLES.filter((t) => t.app === 'nlu');

  it("GLUE averages are the mean of the row's printed task numbers", () => {
    for (const spec of glueTables)
      for (const row of spec.rows) {
        const values = GLUE_TASKS.map((t) => parsePaper(row.cells[t].paper as string, t).value);
        const avg = parsePaper(row.cells.avg.paper as string, 'avg');
        const mean = values.reduce((a, b) => a + b, 0) / values.length;
        expect(Math.abs(mean - avg.value), `${spec.id} ${row.label}`).toBeLessThanOrEqual(0.5 * 10 ** -avg.digits + 1e-9);
      }
  });

  it('agree with the numbers the nlu experiments carry, where they carry one', () => {
    const table2 = TABLES.find((t) => t.id === 'paper-table2-glue');
    for (const row of table2?.rows ?? [])
      for (const t of GLUE_TASKS) {
        const source = row.cells[t].source;
        if (!source) continue;
        const carried = experiments.get(`nlu/${source.experiment}`)?.paper;
        if (typeof carried === 'number') expect(parsePaper(row.cells[t].paper as string, t).value, `${source.experiment}`).toBe(carried);
      }
  });

  it('read the metric the nlu app reports for each task', () => {
    expect(GLUE_HEADLINE).toEqual({ mnli: 'accuracy', sst2: 'accuracy', mrpc: 'accuracy', cola: 'matthews', qnli: 'accuracy', qqp: 'accuracy', rte: 'accuracy', stsb: 'pearson' });
  });

  it('parse as printed and reject anything else', () => {
    expect(parsePaper('87.5±.3', 'x')).toEqual({ value: 87.5, pm: 0.3, digits: 1, printed: '87.5±.3' });
    expect(parsePaper('.39', 'x')).toMatchObject({ value: 0.39, digits: 2 });
    expect(parsePaper('0.35M', 'x')).toMatchObject({ value: 350000, digits: 2 });
    expect(() => parsePaper('87.5 / 86.9', 'table t, row r')).toThrow('table t, row r: cannot read the paper number "87.5 / 86.9"');
  });
});

describe('generated files', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lorats-generate-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists smoke records in runs.md and plots each experiment with a loss curve', () => {
    const config = experiments.get('nlu/tiny/rte');
    expect(config).toBeDefined();
    writeRecords(dir, [
      makeRecord({ experiment: 'tiny/rte', seed: 0, metrics: { accuracy: 60 }, weights: 'random', data: 'synthetic', config, lossCurve: [[1, 0.7], [5, 0.6]] }),
      makeRecord({ experiment: 'tiny/rte', seed: 1, metrics: { accuracy: 62 }, weights: 'random', data: 'synthetic', config, lossCurve: [[1, 0.71], [5, 0.5]] }),
    ]);
    const out = generateAll({ resultsDir: dir, experiments });
    expect(out.get('tables/runs.md')).toContain('| nlu | tiny/rte | [1](../nlu/tiny/rte/1.json) | smoke |');
    const svg = out.get('plots/loss/nlu/tiny/rte.svg') ?? '';
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg).toContain('seed 1 (smoke)');
    expect(out.get('tables/paper-table2-glue.md')?.split('## Smoke runs')[1]).toContain('tiny/rte');
    expect(lossPlots(loadRecords(dir, experiments)).size).toBe(1);
    const { missing } = diffWithDisk(dir, out);
    expect(missing).toContain('tables/README.md');
  });

  it('reports stale generated files', () => {
    mkdirSync(join(dir, 'plots', 'loss', 'nlg'), { recursive: true });
    writeFileSync(join(dir, 'plots', 'loss', 'nlg', 'gone.svg'), '<svg/>');
    expect(diffWithDisk(dir, generateAll({ resultsDir: dir, experiments })).stale).toEqual(['plots/loss/nlg/gone.svg']);
  });
});

describe('benchmarks', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lorats-bench-'));
    const workload = { config: { nLayer: 24, nEmbd: 1024 }, batch: 8, seq: 512, rank: 4, device: 'cuda:0', bf16: true };
    writeFileSync(join(dir, 'a-lorats.json'), JSON.stringify({ benchmark: 'a', backend: 'torch', tokensPerSecond: 30000, medianStepSeconds: 0.1365, peakDeviceBytes: 2 ** 31, ...workload }));
    writeFileSync(join(dir, 'b-peft.json'), JSON.stringify({ benchmark: 'b', implementation: 'pytorch+peft', tokensPerSecond: 20000, gpu: 'NVIDIA H200', ...workload }));
    writeFileSync(join(dir, 'dispatch.json'), JSON.stringify({ benchmark: 'dispatch', description: 'torch on cpu', op: 'add', microsecondsPerOp: { torchViaTfjs: 2.5 } }));
    writeFileSync(join(dir, 'other.json'), JSON.stringify({ benchmark: 'other', microseconds: 9.9 }));
    writeFileSync(join(dir, 'broken.json'), '{');
    // Beam-search decoding, in each side's own field names: a lorats/HF pair in fp32, a lorats bf16 run without an HF
    // partner, and an HF bf16 run on another number of contexts (not a partner for it).
    const lorats = (contexts: number, seconds: number, backend: string) => ({
      benchmark: 'decode', git: null, implementation: 'lorats', backend, contextSource: 'E2E test, distinct MRs', model: { preset: 'gpt2-medium', nLayer: 24, nEmbd: 1024 },
      decode: { beams: 10, maxNewTokens: 64 }, contexts, seconds, contextsPerSecond: contexts / seconds,
    });
    const hf = (contexts: number, seconds: number, dtype: string) => ({
      benchmark: 'decode-hf', implementation: 'transformers 5.17.0 generate', device: 'NVIDIA H200', dtype, model: { nLayer: 24, nEmbd: 1024 },
      decode: { num_beams: 10, max_new_tokens: 64 }, contexts, seconds, contextsPerSecond: contexts / seconds,
    });
    writeFileSync(join(dir, 'd-lorats.json'), JSON.stringify(lorats(630, 21, 'torch on cuda:0 (libtorch 2.11.0)')));
    writeFileSync(join(dir, 'd-hf.json'), JSON.stringify(hf(630, 35, 'torch.float32')));
    writeFileSync(join(dir, 'd-lorats-bf16.json'), JSON.stringify(lorats(210, 20, 'torch on cuda:0 (libtorch 2.11.0, bf16 autocast)')));
    writeFileSync(join(dir, 'd-hf-bf16.json'), JSON.stringify(hf(100, 10, 'torch.bfloat16')));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('tabulates tokens/s against PEFT on the same workload and lists the other files', () => {
    const bench = readBench(dir);
    expect(bench.entries.map((e) => e.implementation)).toEqual(['lorats (torch)', 'pytorch+peft']);
    expect(bench.skipped.map((s) => s.file)).toEqual(['broken.json', 'other.json']);
    expect(bench.dispatch).toEqual([{ file: 'dispatch.json', device: 'torch on cpu', op: 'add', microseconds: { torchViaTfjs: 2.5 } }]);
    const md = renderThroughput(bench, '');
    expect(md).toContain('| 24 layers × 1024 · batch 8 × 512 tokens · rank 4 · GPU bf16 | lorats (torch) | 30,000 | 1.50× | 0.137 | 2.00 GiB | cuda:0 | [a-lorats.json](../bench/a-lorats.json) |');
    expect(md).toContain('- [other.json](../bench/other.json): benchmark other: no tokensPerSecond');
    expect(md).toContain('| [dispatch.json](../bench/dispatch.json) | torch on cpu | add | torchViaTfjs | 2.50 |');
    expect(throughputSvg(bench.entries).match(/<rect x=/g)).toHaveLength(2);
  });

  it('tabulates beam-search decoding from its records, lorats against HF with the same precision and workload', () => {
    const bench = readBench(dir);
    expect(bench.decode.map((e) => [e.file, e.precision])).toEqual([
      ['d-hf-bf16.json', 'bf16'],
      ['d-lorats-bf16.json', 'bf16'],
      ['d-lorats.json', 'fp32'],
      ['d-hf.json', 'fp32'],
    ]);
    expect(bench.skipped.map((s) => s.file)).not.toContain('d-lorats.json');
    const [, lb, lf, hf] = bench.decode;
    expect(decodeRatio(lf, bench.decode)).toBeCloseTo(30 / 18, 10); // (630 / 21) / (630 / 35)
    expect(decodeRatio(hf, bench.decode)).toBeUndefined();
    expect(decodeRatio(lb, bench.decode)).toBeUndefined(); // the only bf16 HF run decoded 100 contexts, not 210
    const md = renderThroughput(bench, '');
    const section = md.slice(md.indexOf('## E2E beam-search decoding'));
    expect(md.indexOf('## E2E beam-search decoding')).toBeGreaterThan(0);
    expect(section).toContain('| lorats | fp32 | 24 layers × 1024 | 630 | 10 | 64 | 30.00 | 21.0 | 1.67× | torch on cuda:0 (libtorch 2.11.0) | [d-lorats.json](../bench/d-lorats.json) |');
    expect(section).toContain('| transformers 5.17.0 generate | fp32 | 24 layers × 1024 | 630 | 10 | 64 | 18.00 | 35.0 |  | NVIDIA H200 | [d-hf.json](../bench/d-hf.json) |');
    expect(section).toContain('| lorats | bf16 | 24 layers × 1024 | 210 | 10 | 64 | 10.50 | 20.0 |  | torch on cuda:0 (libtorch 2.11.0, bf16 autocast) | [d-lorats-bf16.json](../bench/d-lorats-bf16.json) |');
  });

  it('gives a lorats decode row its ratio once the HF partner exists, from the numbers in the records', () => {
    const bench = readBench(dir);
    const lb = bench.decode.find((e) => e.file === 'd-lorats-bf16.json') as DecodeEntry;
    const partner: DecodeEntry = { ...lb, file: 'x-hf.json', implementation: 'transformers 5.17.0 generate', contextsPerSecond: 4.2 };
    expect(decodeRatio(lb, [...bench.decode, partner])).toBeCloseTo(10.5 / 4.2, 10);
    expect(renderThroughput({ ...bench, decode: [lb, partner] }, '')).toContain('| 10.50 | 20.0 | 2.50× |');
    expect(renderThroughput({ ...bench, decode: [{ ...lb, contextSource: 'synthetic ids' }] }, '')).toContain('| bf16 | 24 layers × 1024 | 210 (synthetic ids) | 10 |');
  });

  it('tolerates a missing folder', () => {
    expect(readBench(join(dir, 'absent'))).toEqual({ entries: [], dispatch: [], decode: [], skipped: [] });
    expect(renderThroughput(readBench(join(dir, 'absent')), '')).toContain('No training-step results yet');
  });
});
