// Table specs (style C13): each paper table is a small typed value: its rows (experiment ids of apps/nlg and
// apps/nlu), its metric columns with their formatters and which way is better, the seed aggregate the paper uses, and
// the paper's printed numbers, typed once here with their citation. `nx run results:tables` renders them from the
// run records; no number in results/tables/ is typed by hand.

/** Which way a metric improves; null for descriptive columns (parameter counts). */
export type Better = 'higher' | 'lower' | null;

/** How the paper aggregates seeds: GLUE takes the median of 5 runs, GPT-2 the mean of 3. */
export type Aggregate = 'median' | 'mean';

/**
 * How a column prints: `fixed` with `digits` decimals (87.5), `fraction` without the leading zero as the paper prints
 * METEOR and TER of DART/WebNLG (0.391 → .39), `params` in millions (0.35M).
 */
export type Format = { kind: 'fixed'; digits: number } | { kind: 'fraction'; digits: number } | { kind: 'params'; digits: number };

export interface Column {
  id: string;
  label: string;
  better: Better;
  format: Format;
  /** A derived column: the mean of these columns (GLUE's average), shown only when all of them have a value. */
  meanOf?: readonly string[];
}

/** Where a cell's number comes from in a run record. */
export type Source =
  /** `record.metrics[metric]`, or `record.splits[split][metric]` (WebNLG seen/unseen/all). */
  | { experiment: string; metric: string; split?: string }
  /** `record.training.trainableParameters`. */
  | { experiment: string; params: true };

export interface Cell {
  /** Absent for derived columns and for rows without an experiment. */
  source?: Source;
  /** The paper's number exactly as printed ("87.5±.3", ".39", "0.35M"); null when there is none to show. */
  paper: string | null;
  /** Why `paper` is null, when not because the paper prints no number there (e.g. `NOT_IN_REFERENCE`). */
  paperMissing?: string;
}

/** The reason for a null paper cell whose number the paper may print but our reference material does not give. */
export const NOT_IN_REFERENCE = "the paper's number is not in our reference material (loralib-reference.md), so none is given";

export interface Row {
  label: string;
  /** What a real run of this row needs; the reason an empty cell gives ("pretrained roberta-base weights, GLUE MNLI"). */
  needs: string;
  /** Set when no experiment in this repository corresponds to the row: why. */
  missing?: string;
  cells: Record<string, Cell>;
}

export interface TableSpec {
  /** File name under results/tables/ (without .md). */
  id: string;
  title: string;
  /** The app whose records fill the table (`results/<app>/<experiment>/<seed>.json`). */
  app: 'nlg' | 'nlu';
  /** Where the paper numbers are printed. */
  citation: string;
  aggregate: Aggregate;
  /** Seeds the paper aggregates per cell. */
  seeds: number;
  columns: readonly Column[];
  rows: readonly Row[];
  /** Smoke experiments that stand in for the rows (tiny models, synthetic data), listed under the table. */
  smoke: readonly string[];
  /** Commands that fill the rows on real hardware (also in the root README). */
  reproduce: readonly string[];
  notes?: readonly string[];
}

/** A paper number parsed from its printed form. */
export interface PaperNumber {
  value: number;
  /** The ± interval, when printed. */
  pm?: number;
  /** Decimals as printed (for Δ). */
  digits: number;
  printed: string;
}

/** Parses "87.5±.3", "91.7/91.9"-free single numbers, ".39", "0.35M" and "1500.0M". */
export function parsePaper(printed: string, where: string): PaperNumber {
  const m = /^(\d*\.?\d+)(M|B)?(?:±(\d*\.?\d+))?$/.exec(printed);
  if (!m) throw new Error(`${where}: cannot read the paper number "${printed}" (expected e.g. 87.5±.3, .39 or 0.35M)`);
  const scale = m[2] === 'M' ? 1e6 : m[2] === 'B' ? 1e9 : 1;
  const digits = m[1].includes('.') ? m[1].split('.')[1].length : 0;
  return { value: Number(m[1]) * scale, ...(m[3] !== undefined ? { pm: Number(m[3]) * scale } : {}), digits, printed };
}

/** Checks a spec's internal consistency (columns exist, sources name an experiment, paper numbers parse). */
export function defineTable(spec: TableSpec): TableSpec {
  const ids = new Set(spec.columns.map((c) => c.id));
  if (ids.size !== spec.columns.length) throw new Error(`table ${spec.id}: duplicate column ids`);
  for (const c of spec.columns) for (const d of c.meanOf ?? []) if (!ids.has(d)) throw new Error(`table ${spec.id}: column ${c.id} averages unknown column ${d}`);
  for (const row of spec.rows) {
    for (const [col, cell] of Object.entries(row.cells)) {
      const where = `table ${spec.id}, row "${row.label}", column ${col}`;
      const column = spec.columns.find((c) => c.id === col);
      if (!column) throw new Error(`${where}: no such column`);
      if (cell.paper !== null) parsePaper(cell.paper, where);
      if (cell.paper !== null && cell.paperMissing) throw new Error(`${where}: a paper number and a reason it is missing`);
      if (column.meanOf && cell.source) throw new Error(`${where}: a derived column takes no source`);
      if (row.missing && cell.source) throw new Error(`${where}: a row without an experiment takes no source`);
    }
  }
  return spec;
}

/** Helper for the common case: a metric of an experiment, and its printed paper number. */
export function metric(experiment: string, name: string, paper: string | null, split?: string): Cell {
  return { source: { experiment, metric: name, ...(split ? { split } : {}) }, paper };
}

/** The trainable parameter count of an experiment's runs, and the paper's. */
export function params(experiment: string, paper: string | null): Cell {
  return { source: { experiment, params: true }, paper };
}
