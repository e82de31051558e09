// Renders a table spec from the run records as markdown: one line per (row, column) with ours | paper | Δ, the seeds
// aggregated as the paper does, each value linked to its records, and every empty cell saying why. Records that may
// not fill a paper cell (smoke, failed, other settings) are listed in their own sections below the table.
import type { RunRecord } from '@lorats/experiment';
import { aggregate, cellText, formatDelta, formatValue, judge, std, superscript } from './format.js';
import type { LoadedRecord } from './records.js';
import { parsePaper, type Row, type Source, type TableSpec } from './spec.js';

/** One computed cell. */
export interface CellResult {
  /** The aggregate over the seeds that fill the cell, when any do. */
  ours?: number;
  spread?: number;
  /** Records that filled it. */
  records: LoadedRecord[];
  /** Why the cell is empty. */
  reason?: string;
}

/** The number a source reads from one record, if the record has it. */
export function sourceValue(record: RunRecord, source: Source): number | undefined {
  if ('params' in source) return record.training?.trainableParameters;
  const from = source.split ? record.splits?.[source.split] : record.metrics;
  const v = from?.[source.metric];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function describeSource(source: Source): string {
  return 'params' in source ? 'no trainable parameter count' : `no \`${source.metric}\`${source.split ? ` for the ${source.split} split` : ''}`;
}

/** Records by `<app>/<experiment>`. */
export function byExperiment(records: readonly LoadedRecord[]): Map<string, LoadedRecord[]> {
  const map = new Map<string, LoadedRecord[]>();
  for (const r of records) {
    const key = `${r.record.app}/${r.record.experiment}`;
    map.set(key, [...(map.get(key) ?? []), r]);
  }
  return map;
}

/** Computes one non-derived cell from the records of its experiment. */
export function computeCell(spec: TableSpec, row: Row, source: Source | undefined, records: ReadonlyMap<string, LoadedRecord[]>): CellResult {
  if (row.missing || !source) return { records: [], reason: row.missing ?? 'no source' };
  const all = records.get(`${spec.app}/${source.experiment}`) ?? [];
  const eligible = all.filter((r) => r.kind === 'paper');
  if (eligible.length === 0) {
    if (all.length === 0) return { records: [], reason: `not run: needs ${row.needs}` };
    const kinds = new Set(all.map((r) => r.kind));
    if (kinds.size === 1 && kinds.has('smoke')) return { records: [], reason: 'only smoke runs (random weights or synthetic data; listed below)' };
    if (!kinds.has('other')) return { records: [], reason: 'only failed or smoke runs (listed below)' };
    return { records: [], reason: 'only runs whose settings or data differ from the experiment (listed below)' };
  }
  const withValue = eligible.filter((r) => sourceValue(r.record, source) !== undefined);
  if (withValue.length === 0) return { records: [], reason: `the records have ${describeSource(source)}` };
  const values = withValue.map((r) => sourceValue(r.record, source) as number);
  return { ours: aggregate(values, spec.aggregate), spread: std(values), records: withValue };
}

/** Every cell of a row; derived columns (GLUE's average) from the others, when all of them have a value. */
export function computeRow(spec: TableSpec, row: Row, records: ReadonlyMap<string, LoadedRecord[]>): Map<string, CellResult> {
  const out = new Map<string, CellResult>();
  for (const col of spec.columns) if (!col.meanOf) out.set(col.id, computeCell(spec, row, row.cells[col.id]?.source, records));
  for (const col of spec.columns) {
    if (!col.meanOf) continue;
    const parts = col.meanOf.map((id) => out.get(id));
    const missing = col.meanOf.filter((_, i) => parts[i]?.ours === undefined);
    out.set(
      col.id,
      missing.length === 0
        ? { ours: parts.reduce((s, p) => s + (p?.ours ?? 0), 0) / parts.length, records: [] }
        : { records: [], reason: row.missing ?? `needs every column it averages (missing: ${missing.join(', ')})` },
    );
  }
  return out;
}

/** Relative link from results/tables/ to a file under results/. */
function link(file: string): string {
  return `../${file}`;
}

function recordLinks(records: readonly LoadedRecord[]): string {
  return records.map((r) => `[${r.record.seed}](${link(r.file)})`).join(' ');
}

function metricSummary(record: RunRecord): string {
  const entries = Object.entries(record.metrics)
    .filter(([k]) => !k.startsWith('last_') && k !== 'best_step')
    .sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return '—';
  return entries.map(([k, v]) => `${k} ${Math.abs(v) < 1 && v !== 0 ? v.toFixed(3) : v.toFixed(2)}`).join(', ');
}

/** Where a record's loss-curve plot is, from results/tables/ (only records with a loss curve have one). */
export function lossPlotPath(app: string, experiment: string): string {
  return `plots/loss/${app}/${experiment}.svg`;
}

function runLine(r: LoadedRecord, extra: string): string {
  const rec = r.record;
  const curve = rec.training && rec.training.lossCurve.length > 0 ? `[loss](${link(lossPlotPath(rec.app, rec.experiment))})` : '';
  const inputs = `${rec.inputs.model}, ${rec.inputs.weights} weights, ${rec.inputs.data} data`;
  const backend = rec.environment.device ? `${rec.environment.backend} (${rec.environment.device})` : rec.environment.backend;
  return `| ${rec.experiment} | [${rec.seed}](${link(r.file)}) | ${cellText(inputs)} | ${cellText(backend)} | ${rec.training?.steps ?? '—'} | ${cellText(extra)} | ${curve} |`;
}

/** The markdown lines of a table of runs (smoke, failed or other), or a sentence when there are none. */
export function runsSection(records: readonly LoadedRecord[], extraHeader: string, extra: (r: LoadedRecord) => string, none: string): string[] {
  if (records.length === 0) return [none];
  return [
    `| experiment | seed | inputs | backend | steps | ${extraHeader} | plot |`,
    '|---|---|---|---|---|---|---|',
    ...records.map((r) => runLine(r, extra(r))),
  ];
}

/** The experiments a table reads: its rows' sources and its smoke stand-ins. */
export function tableExperiments(spec: TableSpec): string[] {
  const ids = new Set<string>();
  for (const row of spec.rows) for (const cell of Object.values(row.cells)) if (cell.source) ids.add(cell.source.experiment);
  for (const s of spec.smoke) ids.add(s);
  return [...ids];
}

export const GENERATED = '<!-- Generated by `nx run results:tables` from the run records under results/. Do not edit by hand. -->';

/** The whole markdown file of a table. */
export function renderTable(spec: TableSpec, records: readonly LoadedRecord[]): string {
  const grouped = byExperiment(records);
  const notes: string[] = [];
  const note = (text: string): string => {
    let i = notes.indexOf(text);
    if (i < 0) i = notes.push(text) - 1;
    return superscript(i + 1);
  };
  const how = spec.aggregate === 'median' ? 'median' : 'mean';
  const lines: string[] = [
    GENERATED,
    '',
    `# ${spec.title}`,
    '',
    `Paper: ${spec.citation}. The paper reports the ${how} of ${spec.seeds} seeds per cell.`,
    '',
    `**ours** is the ${how} over the seeds of runs with pretrained weights, the full data and the experiment's settings ` +
      `(± the sample standard deviation over seeds); **Δ** = ours − paper, judged by which way the metric is better. ` +
      'Smoke runs (random weights or synthetic data) never fill a cell: they are listed under the table. ' +
      'An empty cell says why it is empty.',
    '',
    '| row | column | ours | paper | Δ | seeds | records |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const row of spec.rows) {
    const cells = computeRow(spec, row, grouped);
    for (const col of spec.columns) {
      const result = cells.get(col.id) as CellResult;
      const printed = row.cells[col.id]?.paper ?? null;
      const paper = printed === null ? undefined : parsePaper(printed, `${spec.id}: ${row.label}, ${col.id}`);
      let ours: string;
      let delta = '';
      if (result.ours === undefined) ours = `—${note(result.reason ?? 'no value')}`;
      else {
        const spread = result.records.length > 1 && col.format.kind !== 'params' ? `±${formatValue(result.spread ?? 0, col.format)}` : '';
        ours = `${formatValue(result.ours, col.format)}${spread}`;
        if (paper) {
          const d = result.ours - paper.value;
          const verdict = judge(d, col.better, col.format);
          delta = `${formatDelta(d, col.format)}${verdict ? ` (${verdict})` : ''}`;
        }
      }
      const paperText = paper ? paper.printed : `—${note(row.cells[col.id]?.paperMissing ?? 'the paper prints no number here')}`;
      const seeds = col.meanOf ? '' : `${result.records.length}/${spec.seeds}`;
      lines.push(`| ${cellText(row.label)} | ${cellText(col.label)} | ${ours} | ${paperText} | ${delta} | ${seeds} | ${recordLinks(result.records)} |`);
    }
  }
  lines.push('');
  notes.forEach((text, i) => lines.push(`${superscript(i + 1)} ${text}${i < notes.length - 1 ? '  ' : ''}`));
  if (notes.length > 0) lines.push('');

  const ids = new Set(tableExperiments(spec).map((id) => `${spec.app}/${id}`));
  const mine = records.filter((r) => ids.has(`${r.record.app}/${r.record.experiment}`));
  lines.push(
    '## Smoke runs',
    '',
    `Runs of ${spec.smoke.length > 0 ? 'the stand-in experiments (' + spec.smoke.map((s) => `\`${s}\``).join(', ') + ') and ' : ''}the rows' experiments with random weights or synthetic data. ` +
      'They check the pipeline end to end; their numbers are not the paper\'s.',
    '',
    ...runsSection(
      mine.filter((r) => r.kind === 'smoke'),
      'metrics',
      (r) => metricSummary(r.record),
      'No smoke runs recorded.',
    ),
    '',
    '## Other runs',
    '',
    "Runs of the rows' experiments that failed, or whose settings or data differ from the experiment's.",
    '',
    ...runsSection(
      mine.filter((r) => r.kind === 'failed' || r.kind === 'other'),
      'why not in the table',
      (r) => r.why.join('; '),
      'None.',
    ),
    '',
    '## Reproduce',
    '',
    'On a machine with the weights and data (see the root README, "Reproducing the tables"), then `pnpm exec nx run results:tables`:',
    '',
    '```sh',
    ...spec.reproduce,
    '```',
    '',
  );
  if (spec.notes && spec.notes.length > 0) lines.push('## Notes', '', ...spec.notes.map((n) => `- ${n}`), '');
  return lines.join('\n');
}
