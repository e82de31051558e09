// Small synthetic GLUE-like tasks for the embedded default runs: generated deterministically, written in each
// task's GLUE TSV layout and read back by the same reader the real data uses. Each task has a rule a small model can
// learn (sentiment words, word order, overlap, negation), so a run shows learning within minutes on a CPU.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '@lorats/experiment';
import { GLUE, type GlueExample, type GlueTask } from './glue.js';

const NOUNS = ['cat', 'dog', 'man', 'woman', 'child', 'bird', 'farmer', 'teacher', 'river', 'house', 'tree', 'car'];
const VERBS = ['sees', 'likes', 'finds', 'follows', 'paints', 'watches', 'helps', 'visits'];
const ADJS = ['big', 'small', 'red', 'old', 'young', 'quiet', 'happy', 'tall'];
const GOOD = ['great', 'wonderful', 'charming', 'delightful', 'moving', 'brilliant'];
const BAD = ['awful', 'boring', 'dull', 'terrible', 'painful', 'clumsy'];
const SAME: Record<string, string> = { sees: 'notices', likes: 'enjoys', finds: 'discovers', helps: 'assists', big: 'large', small: 'little' };

function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[Math.floor(rng.next() * xs.length)];
}

function clause(rng: Rng): string[] {
  return ['the', pick(rng, ADJS), pick(rng, NOUNS), pick(rng, VERBS), 'the', pick(rng, NOUNS)];
}

function example(task: GlueTask, rng: Rng): GlueExample {
  const coin = rng.next() < 0.5;
  switch (task) {
    case 'sst2': {
      const words = ['the', pick(rng, NOUNS), 'was', pick(rng, coin ? GOOD : BAD), 'and', pick(rng, ADJS)];
      return { a: `${words.join(' ')} .`, label: coin ? 1 : 0 };
    }
    case 'cola': {
      const words = clause(rng);
      if (!coin) [words[1], words[3]] = [words[3], words[1]]; // a verb where the adjective goes: unacceptable
      return { a: `${words.join(' ')} .`, label: coin ? 1 : 0 };
    }
    case 'mrpc':
    case 'qqp': {
      const a = clause(rng);
      const b = coin ? a.map((w) => SAME[w] ?? w) : clause(rng);
      return { a: a.join(' '), b: b.join(' '), label: coin ? 1 : 0 };
    }
    case 'stsb': {
      const a = clause(rng);
      const keep = Math.floor(rng.next() * 7); // how many of the 6 words survive
      const b = a.map((w, i) => (i < keep ? w : pick(rng, [...NOUNS, ...ADJS])));
      return { a: a.join(' '), b: b.join(' '), label: Math.round((5 * Math.min(keep, 6)) / 6 * 1000) / 1000 };
    }
    case 'mnli': {
      const a = clause(rng);
      const r = rng.next();
      if (r < 1 / 3) return { a: a.join(' '), b: [a[2], a[3], a[4], a[5]].join(' '), label: 0 }; // entailment
      if (r < 2 / 3) return { a: a.join(' '), b: clause(rng).join(' '), label: 1 }; // neutral
      return { a: a.join(' '), b: [a[2], 'never', a[3], a[4], a[5]].join(' '), label: 2 }; // contradiction
    }
    case 'qnli': {
      const a = clause(rng);
      const q = `what does the ${a[2]} ${a[3].replace(/s$/, '')} ?`;
      return { a: q, b: (coin ? a : clause(rng)).join(' '), label: coin ? 0 : 1 };
    }
    case 'rte': {
      const a = clause(rng);
      const b = coin ? [a[2], a[3], a[4], a[5]] : [pick(rng, NOUNS), 'never', a[3], a[5]];
      return { a: a.join(' '), b: b.join(' '), label: coin ? 0 : 1 };
    }
  }
}

function line(task: GlueTask, e: GlueExample, i: number): string {
  const spec = GLUE[task];
  const label = spec.labels.length === 0 ? e.label.toFixed(3) : task === 'cola' || task === 'sst2' || task === 'mrpc' || task === 'qqp' ? String(e.label) : spec.labels[e.label];
  switch (task) {
    case 'sst2':
      return `${e.a}\t${label}`;
    case 'cola':
      return `syn\t${label}\t\t${e.a}`;
    case 'mrpc':
      return `${label}\t${i}\t${i + 1}\t${e.a}\t${e.b}`;
    case 'qqp':
      return `${i}\t${2 * i}\t${2 * i + 1}\t${e.a}\t${e.b}\t${label}`;
    case 'stsb':
      return `${i}\tsynthetic\tsyn\t2024\t${i}\tnone\tnone\t${e.a}\t${e.b}\t${label}`;
    case 'mnli':
      return `${i}\t${i}\t${i}\tsynthetic\t-\t-\t-\t-\t${e.a}\t${e.b}\t${label}\t${label}`;
    case 'qnli':
    case 'rte':
      return `${i}\t${e.a}\t${e.b}\t${label}`;
  }
}

const HEADERS: Partial<Record<GlueTask, string>> = {
  sst2: 'sentence\tlabel',
  mrpc: 'Quality\t#1 ID\t#2 ID\t#1 String\t#2 String',
  qqp: 'id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate',
  stsb: 'index\tgenre\tfilename\tyear\told_index\tsource1\tsource2\tsentence1\tsentence2\tscore',
  mnli: 'index\tpromptID\tpairID\tgenre\tsentence1_binary_parse\tsentence2_binary_parse\tsentence1_parse\tsentence2_parse\tsentence1\tsentence2\tlabel1\tgold_label',
  qnli: 'index\tquestion\tsentence\tlabel',
  rte: 'index\tsentence1\tsentence2\tlabel',
};

/** Generates `n` examples of a task (deterministic for a seed). */
export function syntheticExamples(task: GlueTask, n: number, seed: number): GlueExample[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => example(task, rng));
}

/** Writes `<root>/<TASK>/train.tsv` and the dev file(s) in GLUE's layout; returns `root`. */
export function writeSyntheticGlue(root: string, task: GlueTask, sizes: { train: number; dev: number }, seed = 0): string {
  const spec = GLUE[task];
  const dir = join(root, spec.folder);
  mkdirSync(dir, { recursive: true });
  const write = (file: string, examples: GlueExample[]) => {
    const header = HEADERS[task];
    const body = examples.map((e, i) => line(task, e, i));
    writeFileSync(join(dir, file), `${[...(header ? [header] : []), ...body].join('\n')}\n`);
  };
  write('train.tsv', syntheticExamples(task, sizes.train, seed));
  Object.keys(spec.dev).forEach((file, k) => write(file, syntheticExamples(task, sizes.dev, seed + 1000 + k)));
  return root;
}

/** A sentence corpus covering the synthetic vocabulary (to train the tiny default tokenizer). */
export function syntheticCorpus(): string[] {
  const out: string[] = [];
  for (const task of Object.keys(GLUE) as GlueTask[]) {
    for (const e of syntheticExamples(task, 200, 7)) out.push(e.a, ...(e.b === undefined ? [] : [e.b]));
  }
  return out;
}
