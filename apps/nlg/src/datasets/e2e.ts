// E2E NLG (Novikova et al. 2017) in the `MR||text` line format microsoft/LoRA ships, converted as
// format_converting_e2e.py: context = the MR, completion = the text, the `||` dropped.
import { readFileSync } from 'node:fs';
import type { NlgExample } from './formatted.js';

/** Parses `MR||text` lines; blank lines are skipped, a line without `||` is an error naming file and line. */
export function parseE2E(text: string, file = 'e2e'): NlgExample[] {
  const out: NlgExample[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const items = line.split('||');
    if (items.length < 2) throw new Error(`${file}:${i + 1}: expected "MR||text", found no "||"`);
    out.push({ context: items[0], completion: items[1] });
  });
  return out;
}

export function readE2E(file: string): NlgExample[] {
  return parseE2E(readFileSync(file, 'utf8'), file);
}
