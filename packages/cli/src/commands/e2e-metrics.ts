// `lorats e2e-metrics REFS HYPS`: the E2E NLG challenge scores as tuetschek/e2e-metrics' measure_scores.py gives them.
import { evaluateE2E, formatFixed, type E2EScores } from '@lorats/metrics';
import { UsageError } from '../args.js';
import type { Command } from '../command.js';
import { METEOR_OPTIONS, meteorSettings } from '../options.js';

const KEYS: (keyof E2EScores)[] = ['BLEU', 'NIST', 'METEOR', 'ROUGE_L', 'CIDEr'];

export const e2eMetrics: Command = {
  name: 'e2e-metrics',
  summary: 'BLEU, NIST, METEOR, ROUGE-L and CIDEr as e2e-metrics measure_scores.py computes them',
  usage: 'REFS HYPS [--nist python|perl] [-f json|text]',
  options: [
    {
      name: 'nist',
      type: 'string',
      choices: ['python', 'perl'],
      default: 'python',
      description: 'BLEU/NIST implementation: pymteval (measure_scores.py -p, as LoRA runs it) or mteval-v13a.pl',
    },
    { name: 'format', short: 'f', type: 'string', choices: ['json', 'text'], default: 'text', description: 'output format' },
    ...METEOR_OPTIONS,
  ],
  async run(args, io) {
    if (args.positionals.length !== 2) throw new UsageError('give the reference file and the system output file');
    const [refs, hyps] = args.positionals;
    const o = args.options;
    const scores = await evaluateE2E(refs, hyps, { mteval: o.nist as 'python' | 'perl', ...meteorSettings(o, io) });
    if (o.format === 'json') io.stdout(`${JSON.stringify(Object.fromEntries(KEYS.map((k) => [k, scores[k]])), null, 1)}\n`);
    else io.stdout(`SCORES:\n==============\n${KEYS.map((k) => `${k}: ${formatFixed(scores[k], 4)}`).join('\n')}\n\n`);
    return 0;
  },
};
