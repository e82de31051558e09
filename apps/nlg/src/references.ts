// Predictions and references as examples/NLG/src/gpt2_decode.py writes them (reference §2.9): references grouped by
// the exact context string in order of first appearance, texts cut at `<|endoftext|>` and at the first blank line,
// optional lowercasing and `\W` tokenisation, and the E2E (one file, blank-line separated) or WebNLG/DART
// (`reference0 … reference{n−1}`) layouts.
import type { NlgExample } from './datasets/formatted.js';

/** Cuts a text at `<|endoftext|>` and at the first "\n\n", then trims it. */
export function cleanText(s: string): string {
  return s.split('<|endoftext|>')[0].split('\n\n')[0].trim();
}

/** gpt2_decode.py's `post_process`: lowercase first, then put spaces around every non-word character. */
export function postProcess(s: string, options: { lower?: boolean; tokenize?: boolean }): string {
  let out = options.lower ? s.toLowerCase() : s;
  if (options.tokenize) out = out.split(/([^\p{L}\p{N}_])/u).join(' ');
  return out.split(/\s+/).filter(Boolean).join(' ');
}

/** One distinct context with its references (and, once decoded, its hypothesis). */
export interface ContextGroup {
  context: string;
  references: string[];
  /** WebNLG seen-category flag, when the data has one. */
  cate?: boolean;
  /** Index of the context's first line in the test file. */
  firstLine: number;
  hypothesis?: string;
}

/** Groups test lines by context, in order of first appearance; references are cleaned. */
export function groupByContext(examples: readonly NlgExample[]): ContextGroup[] {
  const groups = new Map<string, ContextGroup>();
  examples.forEach((e, i) => {
    let g = groups.get(e.context);
    if (!g) {
      g = { context: e.context, references: [], firstLine: i, ...(e.cate !== undefined ? { cate: e.cate } : {}) };
      groups.set(e.context, g);
    }
    g.references.push(cleanText(e.completion));
  });
  return [...groups.values()];
}

/** Keeps the WebNLG `seen` or `unseen` categories (`all` keeps everything), as `--filter`. */
export function filterGroups(groups: readonly ContextGroup[], filter: 'all' | 'seen' | 'unseen'): ContextGroup[] {
  if (filter === 'all') return [...groups];
  return groups.filter((g) => (filter === 'seen' ? g.cate === true : g.cate === false));
}

export interface TextOptions {
  lower?: boolean;
  tokenize?: boolean;
}

/** Hypotheses, one per line, in group order. */
export function formatPredictions(groups: readonly ContextGroup[], options: TextOptions = {}): string {
  return groups.map((g) => `${postProcess(cleanText(g.hypothesis ?? ''), options)}\n`).join('');
}

/** The E2E reference file: each context's references one per line, then a blank line. */
export function formatE2EReferences(groups: readonly ContextGroup[], options: TextOptions = {}): string {
  return groups.map((g) => `${g.references.map((r) => `${postProcess(r, options)}\n`).join('')}\n`).join('');
}

/**
 * The WebNLG/DART reference files `reference0 … reference{refNum−1}`: file k holds each context's k-th reference,
 * or its first one when it has fewer; references beyond `refNum` are dropped.
 */
export function formatMultiReferences(groups: readonly ContextGroup[], refNum: number, options: TextOptions = {}): string[] {
  return Array.from({ length: refNum }, (_, k) =>
    groups.map((g) => `${postProcess(g.references[k] ?? g.references[0], options)}\n`).join(''),
  );
}

/** The references per context as the metrics take them (post-processed, `refNum` cap as the files have it). */
export function referenceLists(groups: readonly ContextGroup[], options: TextOptions = {}, refNum?: number): string[][] {
  return groups.map((g) => {
    const refs = refNum === undefined ? g.references : Array.from({ length: refNum }, (_, k) => g.references[k] ?? g.references[0]);
    return refs.map((r) => postProcess(r, options));
  });
}
