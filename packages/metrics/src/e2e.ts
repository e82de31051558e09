// The E2E NLG challenge scorer, as tuetschek/e2e-metrics' measure_scores.py runs it: BLEU and NIST (pymteval.py
// or mteval-v13a-sig.pl), and METEOR, ROUGE-L and CIDEr-D from the MS-COCO caption code after PTB tokenization.
import { corpusCider } from './cider.js';
import { MetricInputError, readText } from './input.js';
import { loadParaphraseTable } from './meteor/paraphrase.js';
import { Meteor, type MeteorOptions } from './meteor/scorer.js';
import { runMeteorJar, type MeteorJarOptions } from './meteor/jar.js';
import { mtevalV13a } from './mteval-v13a.js';
import { cocoTokenize } from './ptb-tokenizer.js';
import { PymtevalBleu, PymtevalNist } from './pymteval.js';
import { corpusRougeL } from './rouge.js';
import { javaTokenize, javaTrim, pySplitlines, pyStrip } from './text.js';

/** measure_scores.py's result: fractions, not percentages. */
export interface E2EScores {
  BLEU: number;
  NIST: number;
  METEOR: number;
  ROUGE_L: number;
  CIDEr: number;
}

export interface E2EData {
  /** Meaning representations, '' when the inputs have none. */
  sources: string[];
  references: string[][];
  outputs: string[];
}

const HEADER_SRC = /^(?:(mr|src|source|meaning(?:[_ .-]rep(?:resentation)?)?|da|dial(?:ogue)?[_ .-]act)s?)/i;
const HEADER_SYS = /^(?:(out(?:put)?|ref(?:erence)?|sys(?:tem)?(?:[_ .-](?:out(?:put)?|ref(?:erence)?))?)s?)/i;
const HEADER_REF = /^(?:(trg|tgt|target|ref(?:erence)?|human(?:[_ .-](?:ref(?:erence)?))?)s?)/i;

/** measure_scores.py `read_lines`: one item per line, or with `multiRef` groups of lines separated by blank lines. */
export function readE2ELines(path: string): string[];
export function readE2ELines(path: string, multiRef: true): string[][];
export function readE2ELines(path: string, multiRef = false): string[] | string[][] {
  const lines = pySplitlines(readText(path)).map(pyStrip);
  if (!multiRef) return lines;
  const groups: string[][] = [[]];
  for (const l of lines) {
    if (!l) groups.push([]);
    else groups[groups.length - 1].push(l);
  }
  if (groups[groups.length - 1].length === 0) groups.pop();
  return groups;
}

/** Python `csv.reader` (excel dialect) on one line. */
export function parseCsvLine(line: string, delimiter: string): string[] {
  const fields: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  let atStart = true;
  while (i <= line.length) {
    const c = line[i];
    if (i === line.length) {
      fields.push(field);
      break;
    }
    if (quoted) {
      if (c === '"') {
        if (line[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += c;
    } else if (c === delimiter) {
      fields.push(field);
      field = '';
      atStart = true;
      i++;
      continue;
    } else if (c === '"' && atStart) quoted = true;
    else field += c;
    atStart = false;
    i++;
  }
  return fields;
}

/** measure_scores.py `read_tsv`: the source and text columns of a TSV/CSV file with a header row. */
export function readE2ETable(path: string, headerText: RegExp): { sources: string[]; texts: string[] } {
  let lines = readE2ELines(path);
  if (lines.length === 0) throw new MetricInputError(`${path}: empty file`);
  lines[0] = lines[0].replace(/\ufeff/g, '');
  lines = lines.map((l) => l.replaceAll('Ł', '£').replaceAll('Â£', '£').replaceAll('Ã©', 'é').replaceAll('ã©', 'é')).filter((l) => l);
  const delimiter = lines[0].includes('\t') ? '\t' : ',';
  const rows = lines.map((l) => parseCsvLine(l, delimiter));
  const srcCols = rows[0].flatMap((f, i) => (HEADER_SRC.test(f) ? [i] : []));
  const txtCols = rows[0].flatMap((f, i) => (headerText.test(f) ? [i] : []));
  if (srcCols.length !== 1 || txtCols.length !== 1) {
    throw new MetricInputError(
      `${path}: line 1: need a header naming exactly one source column (mr, src, ...) and one text column ` +
        `(found source columns [${srcCols}] and text columns [${txtCols}])`,
    );
  }
  const width = rows[0].length;
  const data = rows.slice(1);
  const bad = data.flatMap((r, i) => (r.length !== width ? [i + 2] : []));
  if (bad.length) throw new MetricInputError(`${path}: weird number of columns on line(s) ${bad.join(', ')} (expected ${width})`);
  return { sources: data.map((r) => r[srcCols[0]]), texts: data.map((r) => r[txtCols[0]]) };
}

const isTable = (path: string) => /\.[ct]sv$/i.test(path);

/** measure_scores.py `load_data`: outputs one per line (or TSV/CSV), references grouped by blank lines (or TSV/CSV). */
export function loadE2EData(refFile: string, sysFile: string): E2EData {
  let sources: string[];
  let outputs: string[];
  if (isTable(sysFile)) ({ sources, texts: outputs } = readE2ETable(sysFile, HEADER_SYS));
  else {
    outputs = readE2ELines(sysFile);
    sources = outputs.map(() => '');
  }
  let references: string[][];
  if (isTable(refFile)) {
    const t = readE2ETable(refFile, HEADER_REF);
    references = [];
    if (sources.some((s) => s !== '')) {
      const bySrc = new Map<string, string[]>();
      t.sources.forEach((s, i) => bySrc.set(s, [...(bySrc.get(s) ?? []), t.texts[i]]));
      for (const s of sources) {
        const refs = bySrc.get(s);
        if (!refs) throw new MetricInputError(`${refFile}: no reference for source "${s}"`);
        references.push(refs);
      }
    } else {
      // Consecutive rows with the same source are one instance's references.
      let cur: string | null = null;
      t.sources.forEach((s, i) => {
        if (s !== cur) {
          references.push([t.texts[i]]);
          cur = s;
        } else references[references.length - 1].push(t.texts[i]);
      });
    }
  } else {
    references = readE2ELines(refFile, true);
    if (references.length === 1) references = references[0].map((r) => [r]);
  }
  if (references.length !== outputs.length) {
    throw new MetricInputError(`${sysFile} has ${outputs.length} outputs but ${refFile} has ${references.length} reference groups`);
  }
  if (outputs.length === 0) throw new MetricInputError(`${sysFile}: no system outputs`);
  return { sources, references, outputs };
}

export interface E2EOptions {
  /** BLEU/NIST implementation: pymteval (`measure_scores.py -p`, LoRA's setting; default) or mteval-v13a Perl. */
  mteval?: 'python' | 'perl';
  /** METEOR settings (default exact, stem and synonym modules; WordNet from /usr/share/wordnet). */
  meteor?: MeteorOptions;
  /** Run this METEOR jar instead (needs Java); its paraphrase table is then used. */
  meteorJar?: MeteorJarOptions;
}

/** What the COCO metrics see: PTB-tokenized references and outputs, and METEOR's inputs as the wrapper sends them. */
export function cocoInputs(data: E2EData): { gts: string[][]; res: string[]; meteor: { hyps: string[]; refs: string[][] } } {
  // Two separate tokenizer runs, as pycocoevalcap does: references first, then outputs.
  const flatRefs = cocoTokenize(data.references.flat());
  const gts: string[][] = [];
  let k = 0;
  for (const refs of data.references) gts.push(flatRefs.slice(k, (k += refs.length)));
  const res = cocoTokenize(data.outputs);
  // pycocoevalcap's METEOR wrapper sends "SCORE ||| ref ||| ... ||| hyp"; the jar splits on ||| and trims.
  const hyps: string[] = [];
  const refs: string[][] = [];
  res.forEach((h, i) => {
    const parts = ['SCORE', gts[i].join(' ||| '), h.replaceAll('|||', '').replaceAll('  ', ' ')].join(' ||| ').split('|||');
    hyps.push(javaTrim(parts[parts.length - 1]));
    refs.push(parts.slice(1, -1).map(javaTrim));
  });
  return { gts, res, meteor: { hyps, refs } };
}

/** Scores E2E-style data like measure_scores.py; returns fractions and the segment-level COCO scores. */
export function scoreE2E(data: E2EData, opts: E2EOptions = {}): E2EScores & { segments: { METEOR: number[]; ROUGE_L: number[]; CIDEr: number[] } } {
  const { references, outputs } = data;
  let bleu: number;
  let nist: number;
  if ((opts.mteval ?? 'python') === 'python') {
    const b = new PymtevalBleu();
    const n = new PymtevalNist();
    outputs.forEach((o, i) => {
      b.append(o, references[i]);
      n.append(o, references[i]);
    });
    bleu = b.score();
    nist = n.score();
  } else ({ bleu, nist } = mtevalV13a(references, outputs));
  const { gts, res, meteor: m } = cocoInputs(data);
  const meteor = opts.meteorJar
    ? runMeteorJar(m.hyps, m.refs, opts.meteorJar)
    : (() => {
        const r = new Meteor(opts.meteor).corpusScore(m.hyps, m.refs);
        return { score: r.score, segments: r.segments };
      })();
  const rouge = corpusRougeL(res, gts);
  const cider = corpusCider(res, gts);
  return {
    BLEU: bleu,
    NIST: nist,
    METEOR: meteor.score,
    ROUGE_L: rouge.score,
    CIDEr: cider.score,
    segments: { METEOR: meteor.segments, ROUGE_L: rouge.scores, CIDEr: cider.scores },
  };
}

/** Words METEOR will look up: its normalization of `texts`, lowercased (for filtering a paraphrase table). */
export function meteorVocabulary(texts: readonly string[], meteor: Meteor): Set<string> {
  const vocab = new Set<string>();
  for (const t of texts) for (const w of javaTokenize(meteor.prepare(t))) vocab.add(w);
  return vocab;
}

/** measure_scores.py end to end: reads the files, loads an optional paraphrase table (filtered), scores. */
export async function evaluateE2E(
  refFile: string,
  sysFile: string,
  opts: E2EOptions & { paraphraseTable?: string } = {},
): Promise<E2EScores> {
  const data = loadE2EData(refFile, sysFile);
  let meteorOpts = opts.meteor;
  if (opts.paraphraseTable && !opts.meteorJar) {
    const probe = new Meteor({ ...opts.meteor, modules: ['exact'] });
    const { meteor } = cocoInputs(data);
    const vocab = meteorVocabulary([...meteor.hyps, ...meteor.refs.flat()], probe);
    meteorOpts = { ...opts.meteor, paraphrases: await loadParaphraseTable(opts.paraphraseTable, vocab) };
  }
  const { BLEU, NIST, METEOR, ROUGE_L, CIDEr } = scoreE2E(data, { ...opts, meteor: meteorOpts });
  return { BLEU, NIST, METEOR, ROUGE_L, CIDEr };
}
