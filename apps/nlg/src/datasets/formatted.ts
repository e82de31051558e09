// The formatted example every data set is converted to (format_converting_*.py's `*_formatted.jsonl` lines).
import { readFileSync } from 'node:fs';

export interface NlgExample {
  /** Linearised input, e.g. `name : Blue Spice | Type : coffee shop`. */
  context: string;
  /** Reference text. */
  completion: string;
  /** WebNLG only: whether the category is one of the 10 seen in training (the JSON's `cate`). */
  cate?: boolean;
  /** WebNLG/DART: the entry's category, when the source has one. */
  category?: string;
}

/** One JSON object per line, as format_converting_*.py writes (`context`, `completion`, and `cate` for WebNLG). */
export function formatJsonl(examples: readonly NlgExample[]): string {
  return examples
    .map((e) => JSON.stringify(e.cate === undefined ? { context: e.context, completion: e.completion } : { context: e.context, completion: e.completion, cate: e.cate }))
    .map((l) => `${l}\n`)
    .join('');
}

/** Reads a `*_formatted.jsonl` file; errors name the line. */
export function readFormattedJsonl(file: string): NlgExample[] {
  const out: NlgExample[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (line.trim() === '') return;
      let v: unknown;
      try {
        v = JSON.parse(line);
      } catch (e) {
        throw new Error(`${file}:${i + 1}: not valid JSON (${(e as Error).message})`);
      }
      const o = v as Record<string, unknown>;
      if (typeof o?.context !== 'string' || typeof o.completion !== 'string') {
        throw new Error(`${file}:${i + 1}: expected {"context": string, "completion": string}`);
      }
      out.push({ context: o.context, completion: o.completion, ...(typeof o.cate === 'boolean' ? { cate: o.cate } : {}) });
    });
  return out;
}
