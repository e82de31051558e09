// Loads the committed golden fixtures (produced by fixtures/generate.py from the reference tools).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

/** Parsed JSON of `fixtures/golden/<name>.json`. */
export function golden<T>(name: string): T {
  return JSON.parse(readFileSync(join(FIXTURES, 'golden', `${name}.json`), 'utf8')) as T;
}

export interface Corpus {
  name: string;
  hyps: string[];
  /** Reference streams; `null` marks a missing reference in variable-reference corpora. */
  streams: (string | null)[][];
  refsPerSegment: number[];
  dir: string;
}

function lines(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  const out = text.split('\n');
  out.pop();
  return out;
}

/** Reads `fixtures/corpora/<name>` the way generate.py hands it to the tools. */
export function corpus(name: string): Corpus {
  const dir = join(FIXTURES, 'corpora', name);
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as {
    kind: 'fixed' | 'variable';
    nrefs: number;
    refsPerSegment: number[];
  };
  const streams: (string | null)[][] = [];
  for (let k = 0; k < meta.nrefs; k++) {
    const s = lines(join(dir, `ref${k}.txt`));
    streams.push(meta.kind === 'variable' ? s.map((l, i) => (k < meta.refsPerSegment[i] ? l : null)) : s);
  }
  return { name, hyps: lines(join(dir, 'hyp.txt')), streams, refsPerSegment: meta.refsPerSegment, dir };
}

/** The shared public data folder, when this machine has it. */
export const SHARED_DATA = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'shared', 'data');
export const HAS_SHARED_DATA = existsSync(SHARED_DATA);

/** Absolute difference allowed on the 0–100 scale. */
export const TOLERANCE = 1e-9;
