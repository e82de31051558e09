// `lorats e2e-metrics REFS HYPS`: the E2E NLG challenge scores as tuetschek/e2e-metrics' measure_scores.py gives them.
import { evaluateE2E, formatFixed, type E2EScores } from '@lorats/metrics';
import { UsageError } from '../args.js';
import type { Command } from '../command.js';

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
    { name: 'wordnet', type: 'string', value: 'DIR', description: 'WordNet 3.0 dict folder for METEOR synonyms (default /usr/share/wordnet)' },
    { name: 'paraphrase-table', type: 'string', value: 'FILE', description: "METEOR paraphrase table (METEOR 1.5's paraphrase-en.gz)" },
    { name: 'meteor-jar', type: 'string', value: 'JAR', description: 'compute METEOR with this meteor-1.5.jar (needs Java)' },
    { name: 'java', type: 'string', value: 'JAVA', default: 'java', description: 'Java executable for --meteor-jar' },
  ],
  async run(args, io) {
    if (args.positionals.length !== 2) throw new UsageError('give the reference file and the system output file');
    const [refs, hyps] = args.positionals;
    const o = args.options;
    const jar = o['meteor-jar'] as string | undefined;
    const table = o['paraphrase-table'] as string | undefined;
    if (!jar && !table) {
      io.stderr('note: METEOR uses the exact, stem and synonym modules (no paraphrase table); give --paraphrase-table or --meteor-jar for METEOR 1.5 in full\n');
    }
    const scores = await evaluateE2E(refs, hyps, {
      mteval: o.nist as 'python' | 'perl',
      meteor: { wordnetDir: o.wordnet as string | undefined },
      meteorJar: jar ? { jar, java: o.java as string } : undefined,
      paraphraseTable: table,
    });
    if (o.format === 'json') io.stdout(`${JSON.stringify(Object.fromEntries(KEYS.map((k) => [k, scores[k]])), null, 1)}\n`);
    else io.stdout(`SCORES:\n==============\n${KEYS.map((k) => `${k}: ${formatFixed(scores[k], 4)}`).join('\n')}\n\n`);
    return 0;
  },
};
