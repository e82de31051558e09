// METEOR 1.5's aligner (edu.cmu.meteor.aligner): exact, stem, synonym and paraphrase matches between a hypothesis
// (line 1) and a reference (line 2), then a beam search for the alignment with the most weighted matches, the
// fewest chunks and the smallest distance. Words are compared by Java hash code, as the original does.
import { javaHashCode, javaTokenize } from '../text.js';
import type { ParaphraseTable } from './paraphrase.js';
import type { SynonymDictionary } from './wordnet.js';

export const MODULES = ['exact', 'stem', 'synonym', 'paraphrase'] as const;
export type MeteorModule = (typeof MODULES)[number];

interface Match {
  /** Start and length in line 2 (the reference). */
  start: number;
  length: number;
  /** Start and length in line 1 (the hypothesis). */
  matchStart: number;
  matchLength: number;
  /** Index of the module (stage) that made the match. */
  module: number;
}

/** Candidate matches per reference position, and how many cover each word. */
interface Stage {
  words1: Int32Array;
  words2: Int32Array;
  matches: Match[][];
  cover1: Int32Array;
  cover2: Int32Array;
}

/** The alignment of one hypothesis-reference pair with METEOR's per-module counts. */
export interface Alignment {
  words1: string[];
  words2: string[];
  contentMatches1: number[];
  contentMatches2: number[];
  functionMatches1: number[];
  functionMatches2: number[];
  functionWords1: number;
  functionWords2: number;
  chunks: number;
}

/** A partial path of the beam search (PartialAlignment). */
interface Path {
  matches: (Match | null)[];
  matches1: number;
  matches2: number;
  chunks: number;
  idx: number;
  lastMatchEnd: number;
  distance: number;
  used1: Uint8Array;
  used2: Uint8Array;
}

const copyPath = (p: Path): Path => ({ ...p, matches: p.matches.slice(), used1: p.used1.slice(), used2: p.used2.slice() });

/** PARTIAL_COMPARE_TOTAL: more weighted matches, then fewer chunks, then smaller distance. */
function comparePaths(x: Path, y: Path): number {
  const matchDiff = y.matches1 + y.matches2 - (x.matches1 + x.matches2);
  if (matchDiff > 0) return 1;
  if (matchDiff < 0) return -1;
  const chunkDiff = x.chunks - y.chunks;
  if (chunkDiff !== 0) return chunkDiff;
  return x.distance - y.distance;
}

function isUsed(p: Path, m: Match): boolean {
  for (let i = 0; i < m.length; i++) if (p.used2[m.start + i]) return true;
  for (let i = 0; i < m.matchLength; i++) if (p.used1[m.matchStart + i]) return true;
  return false;
}

function setUsed(p: Path, m: Match): void {
  for (let i = 0; i < m.length; i++) p.used2[m.start + i] = 1;
  for (let i = 0; i < m.matchLength; i++) p.used1[m.matchStart + i] = 1;
}

export interface AlignerOptions {
  modules: readonly MeteorModule[];
  /** Per-module weights used while searching (the scorer passes exact 1, others 0.5). */
  weights: readonly number[];
  beamSize: number;
  functionWords: ReadonlySet<string>;
  stem?: (word: string) => string;
  synonyms?: SynonymDictionary;
  paraphrases?: ParaphraseTable;
}

/** METEOR's Aligner for one configuration. */
export class Aligner {
  constructor(readonly opts: AlignerOptions) {
    for (const m of opts.modules) {
      if (m === 'stem' && !opts.stem) throw new Error('the stem module needs a stemmer');
      if (m === 'synonym' && !opts.synonyms) throw new Error('the synonym module needs a synonym dictionary');
      if (m === 'paraphrase' && !opts.paraphrases) throw new Error('the paraphrase module needs a paraphrase table');
    }
  }

  /** Aligns two whitespace-tokenized lines (hypothesis first). */
  align(line1: string, line2: string): Alignment {
    const words1 = javaTokenize(line1);
    const words2 = javaTokenize(line2);
    const s: Stage = {
      words1: Int32Array.from(words1, javaHashCode),
      words2: Int32Array.from(words2, javaHashCode),
      matches: words2.map(() => []),
      cover1: new Int32Array(words1.length),
      cover2: new Int32Array(words2.length),
    };
    const { modules } = this.opts;
    // Identical sentences need only exact matches (this also keeps the beam from erring).
    const identical = words1.length === words2.length && s.words1.every((h, i) => h === s.words2[i]);
    const used = identical ? 1 : modules.length;
    for (let k = 0; k < used; k++) {
      const mod = modules[k];
      if (mod === 'exact') this.exact(k, s);
      else if (mod === 'stem') this.stemMatch(k, s, words1, words2);
      else if (mod === 'synonym') this.synonym(k, s, words1, words2);
      else this.paraphrase(k, s, words1, words2);
    }

    const start: Path = {
      matches: new Array<Match | null>(words2.length).fill(null),
      matches1: 0,
      matches2: 0,
      chunks: 0,
      idx: 0,
      lastMatchEnd: -1,
      distance: 0,
      used1: new Uint8Array(words1.length),
      used2: new Uint8Array(words2.length),
    };
    // One-to-one matches that overlap nothing are certain.
    for (let i = 0; i < s.matches.length; i++) {
      if (s.matches[i].length !== 1) continue;
      const m = s.matches[i][0];
      let overlap = false;
      for (let j = 0; j < m.length; j++) if (s.cover2[i + j] !== 1) overlap = true;
      for (let j = 0; j < m.matchLength; j++) if (s.cover1[m.matchStart + j] !== 1) overlap = true;
      if (!overlap) {
        start.matches[i] = m;
        setUsed(start, m);
      }
    }
    const best = this.resolve(s, start);

    const n = modules.length;
    const a: Alignment = {
      words1,
      words2,
      contentMatches1: new Array<number>(n).fill(0),
      contentMatches2: new Array<number>(n).fill(0),
      functionMatches1: new Array<number>(n).fill(0),
      functionMatches2: new Array<number>(n).fill(0),
      functionWords1: 0,
      functionWords2: 0,
      chunks: 0,
    };
    const fw = this.opts.functionWords;
    const isF1 = words1.map((w) => fw.has(w.toLowerCase()));
    const isF2 = words2.map((w) => fw.has(w.toLowerCase()));
    a.functionWords1 = isF1.filter(Boolean).length;
    a.functionWords2 = isF2.filter(Boolean).length;
    for (const m of best.matches) {
      if (!m) continue;
      for (let j = 0; j < m.matchLength; j++) (isF1[m.matchStart + j] ? a.functionMatches1 : a.contentMatches1)[m.module]++;
      for (let j = 0; j < m.length; j++) (isF2[m.start + j] ? a.functionMatches2 : a.contentMatches2)[m.module]++;
    }
    a.chunks = countChunks(best.matches);
    return a;
  }

  private add(s: Stage, m: Match): void {
    s.matches[m.start].push(m);
    for (let k = 0; k < m.matchLength; k++) s.cover1[m.matchStart + k]++;
    for (let k = 0; k < m.length; k++) s.cover2[m.start + k]++;
  }

  private exact(module: number, s: Stage): void {
    for (let j = 0; j < s.words2.length; j++) {
      for (let i = 0; i < s.words1.length; i++) {
        if (s.words1[i] === s.words2[j]) this.add(s, { start: j, length: 1, matchStart: i, matchLength: 1, module });
      }
    }
  }

  private stemMatch(module: number, s: Stage, w1: readonly string[], w2: readonly string[]): void {
    const stem = this.opts.stem as (w: string) => string;
    const st1 = w1.map((w) => javaHashCode(stem(w)));
    const st2 = w2.map((w) => javaHashCode(stem(w)));
    for (let j = 0; j < st2.length; j++) {
      for (let i = 0; i < st1.length; i++) {
        if (st1[i] === st2[j] && s.words1[i] !== s.words2[j]) this.add(s, { start: j, length: 1, matchStart: i, matchLength: 1, module });
      }
    }
  }

  private synonym(module: number, s: Stage, w1: readonly string[], w2: readonly string[]): void {
    const dict = this.opts.synonyms as SynonymDictionary;
    const sets = (w: string) => {
      const set = new Set(dict.getSynSets(w));
      for (const x of dict.getStemSynSets(w)) set.add(x);
      return set;
    };
    const syn1 = w1.map(sets);
    const syn2 = w2.map(sets);
    for (let j = 0; j < w2.length; j++) {
      for (let i = 0; i < w1.length; i++) {
        let syn = false;
        for (const x of syn1[i]) {
          if (syn2[j].has(x)) {
            syn = true;
            break;
          }
        }
        if (syn && s.words1[i] !== s.words2[j]) this.add(s, { start: j, length: 1, matchStart: i, matchLength: 1, module });
      }
    }
  }

  private paraphrase(module: number, s: Stage, w1: readonly string[], w2: readonly string[]): void {
    const pt = this.opts.paraphrases as ParaphraseTable;
    const line1 = Int32Array.from(w1, (w) => pt.translate(w));
    const line2 = Int32Array.from(w2, (w) => pt.translate(w));
    const occurs = (line: Int32Array, at: number, words: Int32Array) => {
      for (let k = 0; k < words.length; k++) if (at + k === line.length || line[at + k] !== words[k]) return false;
      return true;
    };
    // Paraphrases in line 1 of phrases in line 2, then the other way round.
    for (let j = 0; j < line2.length; j++) {
      const pars = pt.paths(line2, j);
      for (let p = 0; p < pars.length; p += 2) {
        const words = pt.paraphrase(pars[p + 1]);
        for (let i = 0; i < line1.length; i++) {
          if (occurs(line1, i, words)) this.add(s, { start: j, length: pars[p], matchStart: i, matchLength: words.length, module });
        }
      }
    }
    for (let i = 0; i < line1.length; i++) {
      const pars = pt.paths(line1, i);
      for (let p = 0; p < pars.length; p += 2) {
        const words = pt.paraphrase(pars[p + 1]);
        for (let j = 0; j < line2.length; j++) {
          if (occurs(line2, j, words)) this.add(s, { start: j, length: words.length, matchStart: i, matchLength: pars[p], module });
        }
      }
    }
  }

  /** Beam search over reference positions, left to right (Aligner.resolve). */
  private resolve(s: Stage, start: Path): Path {
    const w = this.opts.weights;
    const beam = this.opts.beamSize;
    // Java stores the weighted match totals in ints: `+=` truncates.
    const addWeighted = (p: Path, m: Match) => {
      p.matches1 = Math.trunc(p.matches1 + m.matchLength * w[m.module]);
      p.matches2 = Math.trunc(p.matches2 + m.length * w[m.module]);
    };
    let next: Path[] = [start];
    const n = s.matches.length;
    for (let current = 0; current <= n; current++) {
      const paths = next;
      next = [];
      paths.sort(comparePaths);
      for (let rank = 0; rank < beam && rank < paths.length; rank++) {
        const path = paths[rank];
        if (current === n) {
          if (path.lastMatchEnd !== -1) path.chunks++;
          next.push(path);
          continue;
        }
        if (path.used2[current]) {
          if (current < path.idx) next.push(path);
          else if (path.matches[path.idx]) {
            // A match fixed in advance starts here.
            const m = path.matches[path.idx] as Match;
            addWeighted(path, m);
            if (path.lastMatchEnd !== -1 && m.matchStart !== path.lastMatchEnd) path.chunks++;
            path.idx = m.start + m.length;
            path.lastMatchEnd = m.matchStart + m.matchLength;
            path.distance += Math.abs(m.start - m.matchStart);
            next.push(path);
          }
          continue;
        }
        for (const m of s.matches[current]) {
          if (isUsed(path, m)) continue;
          const np = copyPath(path);
          setUsed(np, m);
          np.matches[current] = m;
          addWeighted(np, m);
          if (np.lastMatchEnd !== -1 && m.matchStart !== np.lastMatchEnd) np.chunks++;
          np.idx = m.start + m.length;
          np.lastMatchEnd = m.matchStart + m.matchLength;
          // METEOR adds this distance to the path it extends, not to the new one.
          path.distance += Math.abs(m.start - m.matchStart);
          next.push(np);
        }
        // Or leave this reference word unmatched.
        if (path.lastMatchEnd !== -1) {
          path.chunks++;
          path.lastMatchEnd = -1;
        }
        path.idx++;
        next.push(path);
      }
      if (next.length === 0) next.push(paths[0]);
    }
    next.sort(comparePaths);
    return next[0];
  }
}

/** Matched words are grouped into chunks of adjacent, identically ordered words. */
function countChunks(matches: readonly (Match | null)[]): number {
  let chunks = 0;
  let idx = 0;
  let lastMatchEnd = -1;
  while (idx < matches.length) {
    const m = matches[idx];
    if (!m) {
      if (lastMatchEnd !== -1) {
        chunks++;
        lastMatchEnd = -1;
      }
      idx++;
    } else {
      if (lastMatchEnd !== -1 && m.matchStart !== lastMatchEnd) chunks++;
      idx = m.start + m.length;
      lastMatchEnd = m.matchStart + m.matchLength;
    }
  }
  if (lastMatchEnd !== -1) chunks++;
  return chunks;
}
