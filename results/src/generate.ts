// Everything `nx run results:tables` writes, computed in memory from the run records, the experiments and the
// benchmark files: results/tables/*.md and results/plots/**/*.svg. The test compares this with the committed files.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readBench, renderThroughput } from './bench.js';
import type { ExperimentConfigs } from './experiments.js';
import { cellText } from './format.js';
import { lossPlots, throughputSvg } from './plots.js';
import { loadRecords, type LoadedRecord } from './records.js';
import { TABLES } from './specs/index.js';
import type { TableSpec } from './spec.js';
import { GENERATED, lossPlotPath, renderTable } from './table.js';

/** The folders under results/ whose files are all generated (stale files there are removed). */
export const GENERATED_DIRS = ['tables', 'plots'] as const;

function renderRuns(records: readonly LoadedRecord[]): string {
  const lines = [
    GENERATED,
    '',
    '# Every run record',
    '',
    'All records under `results/<app>/<experiment>/<seed>.json`. **kind**: `paper` records fill the paper tables; ' +
      '`smoke` (random weights or synthetic data), `failed` and `other` (settings or data differ from the experiment) do not.',
    '',
  ];
  if (records.length === 0) return [...lines, 'No run records yet.', ''].join('\n');
  lines.push('| app | experiment | seed | kind | inputs | backend | steps | seconds | metrics | why not in a table | plot |', '|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of records) {
    const rec = r.record;
    const metrics = Object.entries(rec.metrics)
      .filter(([k]) => !k.startsWith('last_') && k !== 'best_step')
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k} ${Math.abs(v) < 1 && v !== 0 ? v.toFixed(3) : v.toFixed(2)}`)
      .join(', ');
    const plot = rec.training && rec.training.lossCurve.length > 0 ? `[loss](../${lossPlotPath(rec.app, rec.experiment)})` : '';
    const total = rec.timings.total;
    lines.push(
      `| ${rec.app} | ${rec.experiment} | [${rec.seed}](../${r.file}) | ${r.kind} | ${cellText(`${rec.inputs.model}, ${rec.inputs.weights} weights, ${rec.inputs.data} data`)} | ` +
        `${cellText(rec.environment.device ? `${rec.environment.backend} (${rec.environment.device})` : rec.environment.backend)} | ${rec.training?.steps ?? '—'} | ` +
        `${total === undefined ? '' : total.toFixed(0)} | ${cellText(metrics || '—')} | ${cellText(r.why.join('; '))} | ${plot} |`,
    );
  }
  lines.push('');
  return lines.join('\n');
}

function renderIndex(tables: readonly TableSpec[], records: readonly LoadedRecord[]): string {
  const counts = (kind: LoadedRecord['kind']) => records.filter((r) => r.kind === kind).length;
  return [
    GENERATED,
    '',
    '# Results',
    '',
    `Generated from ${records.length} run record(s): ${counts('paper')} paper, ${counts('smoke')} smoke, ${counts('failed')} failed, ${counts('other')} other. ` +
      'Regenerate with `pnpm exec nx run results:tables`; `nx run results:test` fails when these files differ from what the records produce.',
    '',
    '| table | paper numbers from |',
    '|---|---|',
    ...tables.map((t) => `| [${cellText(t.title)}](${t.id}.md) | ${cellText(t.citation)} |`),
    `| [Every run record](runs.md) | |`,
    `| [Training throughput: lorats against PyTorch + PEFT](throughput.md) | results/bench/*.json |`,
    '',
  ].join('\n');
}

export interface GenerateOptions {
  /** The results folder (records under `<app>/`, benchmarks under `bench/`). */
  resultsDir: string;
  /** The apps' experiments (`loadExperimentConfigs(workspaceRoot)`). */
  experiments: ExperimentConfigs;
  tables?: readonly TableSpec[];
}

/** Path under results/ → contents, for every generated file. */
export function generateAll({ resultsDir, experiments, tables = TABLES }: GenerateOptions): Map<string, string> {
  for (const spec of tables)
    for (const id of [...spec.rows.flatMap((r) => Object.values(r.cells).flatMap((c) => (c.source ? [c.source.experiment] : []))), ...spec.smoke])
      if (!experiments.has(`${spec.app}/${id}`)) throw new Error(`table ${spec.id}: no experiment ${id} in apps/${spec.app}`);
  const records = loadRecords(resultsDir, experiments);
  const bench = readBench(join(resultsDir, 'bench'));
  const out = new Map<string, string>();
  out.set('tables/README.md', renderIndex(tables, records));
  for (const spec of tables) out.set(`tables/${spec.id}.md`, renderTable(spec, records));
  out.set('tables/runs.md', renderRuns(records));
  out.set('tables/throughput.md', renderThroughput(bench, GENERATED));
  for (const [path, svg] of lossPlots(records)) out.set(path, svg);
  out.set('plots/throughput.svg', throughputSvg(bench.entries));
  return out;
}

function filesUnder(dir: string, base: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const p = join(dir, name);
      return statSync(p).isDirectory() ? filesUnder(p, `${base}/${name}`) : [`${base}/${name}`];
    });
}

/** How the files on disk differ from `generated`: changed or missing files, and stale ones nothing generates. */
export function diffWithDisk(resultsDir: string, generated: ReadonlyMap<string, string>): { changed: string[]; missing: string[]; stale: string[] } {
  const changed: string[] = [];
  const missing: string[] = [];
  for (const [path, text] of generated) {
    const file = join(resultsDir, path);
    if (!existsSync(file)) missing.push(path);
    else if (readFileSync(file, 'utf8') !== text) changed.push(path);
  }
  const stale = GENERATED_DIRS.flatMap((d) => filesUnder(join(resultsDir, d), d)).filter((p) => !generated.has(p));
  return { changed, missing, stale };
}
