// `lorats webnlg-eval -R REFPREFIX -H HYP`: BLEU, METEOR and TER as WebNLG/GenerationEval's eval.py computes
// them on the files LoRA's decoder writes (the DART and WebNLG setting).
import { evaluateWebNLG, formatFixed, pyFloatRepr } from '@lorats/metrics';
import { UsageError } from '../args.js';
import type { Command } from '../command.js';
import { METEOR_OPTIONS, meteorSettings } from '../options.js';

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
    ...METEOR_OPTIONS,
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
    const s = await evaluateWebNLG(ref, hyp, nr, {
      trailingEmptyLine: o['trailing-empty-line'] === true,
      // without METEOR among the metrics, the cheapest one is computed and not printed
      ...(wanted.includes('meteor') ? meteorSettings(o, io) : { meteor: { modules: ['exact'] } }),
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
