// `lorats webnlg-eval -R REFPREFIX -H HYP`: BLEU, METEOR and TER as WebNLG/GenerationEval's eval.py computes
// them on the files LoRA's decoder writes (the DART and WebNLG setting).
import { evaluateWebNLG, formatFixed, pyFloatRepr } from '@lorats/metrics';
import { UsageError } from '../args.js';
import type { Command } from '../command.js';

const METRICS = ['bleu', 'meteor', 'ter'] as const;

export const webnlgEval: Command = {
  name: 'webnlg-eval',
  summary: 'BLEU, METEOR and TER as WebNLG GenerationEval eval.py computes them (LoRA DART/WebNLG setting)',
  usage: '-R REFERENCE_PREFIX -H HYPOTHESIS [-nr 6] [-m bleu,meteor,ter] [--trailing-empty-line]',
  options: [
    { name: 'reference', short: 'R', type: 'string', value: 'PREFIX', description: 'reference files PREFIX0 … PREFIX{nr-1}' },
    { name: 'hypothesis', short: 'H', type: 'string', value: 'FILE', description: 'system output, one per line' },
    { name: 'num_refs', short: 'nr', type: 'number', default: 6, description: 'number of reference files (LoRA uses 6)' },
    { name: 'metrics', short: 'm', type: 'string', default: 'bleu,meteor,ter', description: 'comma-separated: bleu, meteor, ter' },
    {
      name: 'trailing-empty-line',
      type: 'boolean',
      description: "keep eval.py's extra empty pair after a final newline (adds a TER of 1, as LoRA's numbers include)",
    },
    { name: 'format', short: 'f', type: 'string', choices: ['json', 'text'], default: 'text', description: 'output format' },
    { name: 'wordnet', type: 'string', value: 'DIR', description: 'WordNet 3.0 dict folder for METEOR synonyms (default /usr/share/wordnet)' },
    { name: 'paraphrase-table', type: 'string', value: 'FILE', description: "METEOR paraphrase table (METEOR 1.5's paraphrase-en.gz)" },
    { name: 'meteor-jar', type: 'string', value: 'JAR', description: 'compute METEOR with this meteor-1.5.jar (needs Java)' },
    { name: 'java', type: 'string', value: 'JAVA', default: 'java', description: 'Java executable for --meteor-jar' },
  ],
  async run(args, io) {
    const o = args.options;
    const ref = o.reference as string | undefined;
    const hyp = o.hypothesis as string | undefined;
    if (!ref || !hyp) throw new UsageError('give the reference prefix (-R) and the hypothesis file (-H)');
    if (args.positionals.length) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
    const nr = o.num_refs as number;
    if (!Number.isInteger(nr) || nr < 1) throw new UsageError('-nr must be a positive integer');
    const wanted = (o.metrics as string).toLowerCase().split(',').filter(Boolean);
    for (const m of wanted) if (!(METRICS as readonly string[]).includes(m)) throw new UsageError(`unsupported metric "${m}" (available: ${METRICS.join(', ')})`);
    const jar = o['meteor-jar'] as string | undefined;
    const table = o['paraphrase-table'] as string | undefined;
    if (wanted.includes('meteor') && !jar && !table) {
      io.stderr('note: METEOR uses the exact, stem and synonym modules (no paraphrase table); give --paraphrase-table or --meteor-jar for METEOR 1.5 in full\n');
    }
    const s = await evaluateWebNLG(ref, hyp, nr, {
      trailingEmptyLine: o['trailing-empty-line'] === true,
      meteor: wanted.includes('meteor') ? { wordnetDir: o.wordnet as string | undefined } : { modules: ['exact'] },
      meteorJar: jar && wanted.includes('meteor') ? { jar, java: o.java as string } : undefined,
      paraphraseTable: wanted.includes('meteor') ? table : undefined,
    });
    const rows: [string, number, string][] = [];
    // eval.py prints BLEU as multi-bleu-detok does (two decimals) and rounds METEOR and TER to two.
    if (wanted.includes('bleu')) rows.push(['BLEU', s.BLEU, formatFixed(s.BLEU, 2)]);
    if (wanted.includes('meteor')) rows.push(['METEOR', s.METEOR, pyFloatRepr(Number(formatFixed(s.METEOR, 2)))]);
    if (wanted.includes('ter')) rows.push(['TER', s.TER, pyFloatRepr(Number(formatFixed(s.TER, 2)))]);
    if (o.format === 'json') io.stdout(`${JSON.stringify(Object.fromEntries(rows.map(([k, v]) => [k, v])), null, 1)}\n`);
    else io.stdout(`${rows.map(([k, , t]) => `${k}: ${t}`).join('\n')}\n`);
    return 0;
  },
};
