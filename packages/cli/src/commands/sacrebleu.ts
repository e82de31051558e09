// `lorats sacrebleu REF [REF…] -i HYP`: BLEU, chrF and TER with sacrebleu 2.x's command line and output.
import {
  Bleu,
  Chrf,
  checkNotEmpty,
  checkSameLength,
  formatResults,
  formatScore,
  MetricInputError,
  readSegments,
  SMOOTH_METHODS,
  Ter,
  TOKENIZERS,
  type MetricScore,
  type SmoothMethod,
  type TokenizerName,
} from '@lorats/metrics';
import { UsageError, type ParsedArgs } from '../args.js';
import type { Command } from '../command.js';

const METRICS = ['bleu', 'chrf', 'ter'] as const;
type MetricName = (typeof METRICS)[number];

interface Scorer {
  corpusScore(hyps: readonly string[], refs: readonly (readonly (string | null)[])[]): MetricScore;
  sentenceScore(hyp: string, refs: readonly string[]): MetricScore;
  signature(): { format(short?: boolean): string };
}

function makeScorer(name: MetricName, o: ParsedArgs['options'], sentenceLevel: boolean): Scorer {
  if (name === 'bleu') {
    return new Bleu({
      tokenize: o.tokenize as TokenizerName,
      lowercase: o.lowercase === true,
      smoothMethod: o['smooth-method'] as SmoothMethod,
      smoothValue: (o['smooth-value'] as number | undefined) ?? null,
      effectiveOrder: sentenceLevel,
    });
  }
  if (name === 'chrf') {
    return new Chrf({
      charOrder: o['chrf-char-order'] as number,
      wordOrder: o['chrf-word-order'] as number,
      beta: o['chrf-beta'] as number,
      whitespace: o['chrf-whitespace'] === true,
      lowercase: o['chrf-lowercase'] === true,
      epsSmoothing: o['chrf-eps-smoothing'] === true,
    });
  }
  return new Ter({
    caseSensitive: o['ter-case-sensitive'] === true,
    asianSupport: o['ter-asian-support'] === true,
    noPunct: o['ter-no-punct'] === true,
    normalized: o['ter-normalized'] === true,
  });
}

/** Reads reference files (or one tab-separated file with `--num-refs`) into reference streams. */
function readReferences(files: readonly string[], numRefs: number): { label: string; lines: string[] }[] {
  if (numRefs === 1) return files.map((f) => ({ label: f, lines: readSegments(f) }));
  if (files.length > 1) throw new UsageError('--num-refs splits one tab-separated reference file; give only one');
  const streams = Array.from({ length: numRefs }, (_, k) => ({ label: `${files[0]} (field ${k + 1})`, lines: [] as string[] }));
  readSegments(files[0]).forEach((line, i) => {
    const fields = line.split('\t');
    const parts = fields.length > numRefs ? [...fields.slice(0, numRefs - 1), fields.slice(numRefs - 1).join('\t')] : fields;
    if (parts.length !== numRefs) {
      throw new MetricInputError(`${files[0]}: line ${i + 1}: expected ${numRefs} tab-separated references, found ${parts.length}`);
    }
    parts.forEach((p, k) => streams[k].lines.push(p));
  });
  return streams;
}

export const sacrebleu: Command = {
  name: 'sacrebleu',
  summary: 'BLEU, chrF and TER exactly as sacrebleu 2.x computes and prints them',
  usage: 'REF [REF…] -i HYP [-m bleu chrf ter] [options]',
  options: [
    { name: 'input', short: 'i', type: 'string', value: 'HYP', description: 'system output, one segment per line' },
    { name: 'metrics', short: 'm', type: 'list', value: 'bleu|chrf|ter', default: ['bleu'], description: 'metrics to compute' },
    { name: 'tokenize', short: 'tok', type: 'string', choices: TOKENIZERS, default: '13a', description: 'BLEU tokenizer' },
    { name: 'lowercase', short: 'lc', type: 'boolean', description: 'case-insensitive BLEU' },
    { name: 'smooth-method', short: 's', type: 'string', choices: SMOOTH_METHODS, default: 'exp', description: 'BLEU smoothing' },
    { name: 'smooth-value', short: 'sv', type: 'number', description: 'value for floor (0.1) and add-k (1) smoothing' },
    { name: 'chrf-char-order', short: 'cc', type: 'number', default: 6, description: 'chrF character n-gram order' },
    { name: 'chrf-word-order', short: 'cw', type: 'number', default: 0, description: 'chrF word n-gram order (2 = chrF++)' },
    { name: 'chrf-beta', type: 'number', default: 2, description: 'chrF recall weight' },
    { name: 'chrf-whitespace', type: 'boolean', description: 'keep whitespace in chrF character n-grams' },
    { name: 'chrf-lowercase', type: 'boolean', description: 'case-insensitive chrF' },
    { name: 'chrf-eps-smoothing', type: 'boolean', description: 'chrF++.py epsilon smoothing' },
    { name: 'ter-case-sensitive', type: 'boolean', description: 'case-sensitive TER' },
    { name: 'ter-asian-support', type: 'boolean', description: 'TER: split CJK characters' },
    { name: 'ter-no-punct', type: 'boolean', description: 'TER: remove punctuation' },
    { name: 'ter-normalized', type: 'boolean', description: 'TER: tercom normalization' },
    { name: 'num-refs', short: 'nr', type: 'number', default: 1, description: 'references per line of one tab-separated file' },
    { name: 'sentence-level', short: 'sl', type: 'boolean', description: 'one score per segment (one metric)' },
    { name: 'score-only', short: 'b', type: 'boolean', description: 'print only the score' },
    { name: 'width', short: 'w', type: 'number', default: 1, description: 'decimal places' },
    { name: 'short', short: 'sh', type: 'boolean', description: 'short signatures (text format)' },
    { name: 'format', short: 'f', type: 'string', choices: ['json', 'text'], default: 'json', description: 'output format' },
  ],
  async run(args, io) {
    const o = args.options;
    const hypFile = o.input as string | undefined;
    if (!hypFile) throw new UsageError('give the system output with -i HYP');
    if (args.positionals.length === 0) throw new UsageError('give at least one reference file before -i');
    const metricNames = o.metrics as string[];
    for (const m of metricNames) {
      if (!(METRICS as readonly string[]).includes(m)) throw new UsageError(`-m must be among ${METRICS.join(', ')} (got "${m}")`);
    }
    const numRefs = o['num-refs'] as number;
    if (!Number.isInteger(numRefs) || numRefs < 1) throw new UsageError('--num-refs must be a positive integer');
    const width = o.width as number;
    if (!Number.isInteger(width) || width < 0) throw new UsageError('--width must be a non-negative integer');
    const sentenceLevel = o['sentence-level'] === true;
    if (sentenceLevel && metricNames.length > 1) throw new UsageError('only one metric can be used in sentence-level mode');

    const refs = readReferences(args.positionals, numRefs);
    const hyps = readSegments(hypFile);
    checkNotEmpty(hypFile, hyps);
    checkSameLength([{ label: hypFile, lines: hyps }, ...refs]);
    const streams = refs.map((r) => r.lines);
    const scoreOnly = o['score-only'] === true;
    const short = o.short === true;

    if (sentenceLevel) {
      const scorer = makeScorer(metricNames[0] as MetricName, o, true);
      const out: string[] = [];
      hyps.forEach((h, i) => {
        const s = scorer.sentenceScore(h, streams.map((st) => st[i]));
        out.push(formatScore(s, { width, scoreOnly, short }));
      });
      io.stdout(out.join('\n') + '\n');
      return 0;
    }
    const json = o.format === 'json';
    // sacrebleu reports metrics in sorted order whatever order -m gives.
    const names = [...new Set(metricNames.map((m) => m.toUpperCase()))].sort();
    const results = names.map((n) => {
      const s = makeScorer(n.toLowerCase() as MetricName, o, false).corpusScore(hyps, streams);
      return formatScore(s, { width, scoreOnly, json, short: json ? false : short });
    });
    io.stdout(formatResults(results, json) + '\n');
    return 0;
  },
};
