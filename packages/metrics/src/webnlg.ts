// The WebNLG/DART evaluation as LoRA runs it: WebNLG/GenerationEval's eval.py (`-nr 6 -m bleu,meteor,ter`) on
// files written by LoRA's gpt2_decode.py (lowercased, split at every non-word character, references padded to 6
// by repeating the first). BLEU from multi-bleu-detok.perl on the raw files; METEOR 1.5 and pyter TER (minimum
// over references, mean over segments) on NLTK-tokenized text.
import { existsSync } from 'node:fs';
import { MetricInputError, readText } from './input.js';
import { runMeteorJar, type MeteorJarOptions } from './meteor/jar.js';
import { loadParaphraseTable } from './meteor/paraphrase.js';
import { Meteor, type MeteorOptions } from './meteor/scorer.js';
import { multiBleuDetok } from './multi-bleu-detok.js';
import { nltkWordTokenize } from './nltk-tokenizer.js';
import { pyterTer } from './pyter.js';
import { javaTokenize, pySplit } from './text.js';

/** gpt2_decode.py's `post_process` with `--lower --tokenize`: lowercase, then split at every `\W` character. */
export function loraDecodeTokenize(text: string, opts: { lower?: boolean; tokenize?: boolean } = { lower: true, tokenize: true }): string {
  let s = opts.lower ? text.toLowerCase() : text;
  // Python's re.split(r'(\W)', s) with a Unicode \W, joined by spaces, then whitespace collapsed.
  if (opts.tokenize) s = pySplit(s.split(/([^\p{L}\p{N}_])/u).join(' ')).join(' ');
  return s;
}

/** gpt2_decode.py's reference files for WebNLG/DART: slot k holds ref[k], or ref[0] when there are fewer. */
export function padReferences(references: readonly (readonly string[])[], numRefs = 6): string[][] {
  return Array.from({ length: numRefs }, (_, k) => references.map((r) => r[k] ?? r[0]));
}

export interface WebNLGScores {
  /** multi-bleu-detok BLEU on the 0–100 scale (eval.py reports it rounded to 2 decimals). */
  BLEU: number;
  /** METEOR 1.5 as a fraction. */
  METEOR: number;
  /** Mean of the per-segment minimum pyter TER, as a fraction. */
  TER: number;
}

export interface WebNLGOptions {
  /** eval.py splits files on '\n', so a final newline adds one empty hypothesis/reference pair (TER 1). */
  trailingEmptyLine?: boolean;
  meteor?: MeteorOptions;
  meteorJar?: MeteorJarOptions;
}

/**
 * Reads `<prefix>0 … <prefix>{n-1}` (or `<prefix>` alone when n is 1) and the hypothesis file, split on '\n' as
 * eval.py splits them. Unlike eval.py (which zips silently), files of different lengths or an empty hypothesis
 * file are errors naming the files.
 */
export function readWebNLGFiles(refPrefix: string, hypFile: string, numRefs: number): { hypotheses: string[]; references: string[][] } {
  const files = numRefs > 1 ? Array.from({ length: numRefs }, (_, k) => `${refPrefix}${k}`) : [refPrefix];
  for (const f of files) if (!existsSync(f)) throw new MetricInputError(`${f}: reference file not found (-nr ${numRefs} needs ${files.join(', ')})`);
  const hypotheses = readText(hypFile).split('\n');
  const references = files.map((f) => readText(f).split('\n'));
  const lines = (xs: readonly string[]) => (xs[xs.length - 1] === '' ? xs.length - 1 : xs.length);
  if (lines(hypotheses) === 0) throw new MetricInputError(`${hypFile}: empty file (no hypotheses to score)`);
  files.forEach((f, k) => {
    if (lines(references[k]) !== lines(hypotheses)) {
      throw new MetricInputError(`${f} has ${lines(references[k])} lines but ${hypFile} has ${lines(hypotheses)}: every file needs one line per segment`);
    }
  });
  return { hypotheses, references };
}

/** Segment j's references as eval.py's parse() collects them: line j of every reference file that has one. */
function segmentReferences(files: readonly (readonly string[])[]): string[][] {
  const maxLen = Math.max(0, ...files.map((f) => f.length));
  return Array.from({ length: maxLen }, (_, j) => files.filter((f) => j < f.length).map((f) => f[j]));
}

const dropFinalEmpty = (xs: readonly string[]) => (xs.length > 0 && xs[xs.length - 1] === '' ? xs.slice(0, -1) : [...xs]);

/**
 * Scores split files (`references[k]` is reference file k, each as eval.py's `read().split('\n')`). The empty
 * piece after a final newline is dropped from every file, unless `trailingEmptyLine` keeps it for TER as eval.py
 * does. BLEU never sees it (Perl reads lines), and eval.py's METEOR call fails on it (-1); we score the real
 * segments.
 */
export function scoreWebNLG(
  hypotheses: readonly string[],
  references: readonly (readonly string[])[],
  opts: WebNLGOptions = {},
): WebNLGScores & { segmentsTER: number[] } {
  const numRefs = references.length;
  const cleanHyps = dropFinalEmpty(hypotheses);
  const cleanRefs = references.map(dropFinalEmpty);
  if (cleanHyps.length === 0) throw new MetricInputError('no hypotheses to score');

  const bleu = multiBleuDetok(cleanHyps, cleanRefs).bleu;

  const tok = (s: string) => nltkWordTokenize(s).join(' ');
  const terHyps = (opts.trailingEmptyLine ? hypotheses : cleanHyps).map(tok);
  const terRefs = segmentReferences(opts.trailingEmptyLine ? references : cleanRefs).map((rs) => rs.map(tok));
  const segmentsTER: number[] = [];
  for (let j = 0; j < Math.min(terHyps.length, terRefs.length); j++) {
    const candidates = terRefs[j].slice(0, numRefs).map((ref) => {
      const words = pySplit(ref);
      return words.length === 0 ? 1 : pyterTer(pySplit(terHyps[j]), words);
    });
    segmentsTER.push(Math.min(...candidates));
  }
  let sum = 0;
  for (const t of segmentsTER) sum += t;

  const meteorRefs = segmentReferences(cleanRefs).map((rs) => rs.map(tok));
  const n = Math.min(cleanHyps.length, meteorRefs.length);
  const mHyps = cleanHyps.slice(0, n).map(tok);
  const mRefs = meteorRefs.slice(0, n);
  const meteor = opts.meteorJar ? runMeteorJar(mHyps, mRefs, opts.meteorJar).score : new Meteor(opts.meteor).corpusScore(mHyps, mRefs).score;
  return { BLEU: bleu, METEOR: meteor, TER: sum / segmentsTER.length, segmentsTER };
}

/** eval.py end to end (`-R prefix -H hyp -nr n -m bleu,meteor,ter`), with an optional paraphrase table. */
export async function evaluateWebNLG(
  refPrefix: string,
  hypFile: string,
  numRefs: number,
  opts: WebNLGOptions & { paraphraseTable?: string } = {},
): Promise<WebNLGScores> {
  const { hypotheses, references } = readWebNLGFiles(refPrefix, hypFile, numRefs);
  let meteorOpts = opts.meteor;
  if (opts.paraphraseTable && !opts.meteorJar) {
    const probe = new Meteor({ ...opts.meteor, modules: ['exact'] });
    const vocab = new Set<string>();
    for (const t of [...hypotheses, ...references.flat()]) {
      for (const w of javaTokenize(probe.prepare(nltkWordTokenize(t).join(' ')))) vocab.add(w);
    }
    meteorOpts = { ...opts.meteor, paraphrases: await loadParaphraseTable(opts.paraphraseTable, vocab) };
  }
  const { BLEU, METEOR, TER } = scoreWebNLG(hypotheses, references, { ...opts, meteor: meteorOpts });
  return { BLEU, METEOR, TER };
}
