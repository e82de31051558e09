// GPT-2 with LoRA on DART and WebNLG (the paper's appendix tables for the two data sets), the LoRA rows. BLEU as
// printed in microsoft/LoRA's README (GPT-2 table), which matches the paper; METEOR and TER are the paper's appendix
// numbers, not checked against the paper here (marked unverified). Mean of 3 seeds; METEOR and TER are fractions.
import { defineTable, metric, params, type Cell } from '../spec.js';

const SPLITS = [
  ['u', 'unseen', 'U'],
  ['s', 'seen', 'S'],
  ['a', 'all', 'A'],
] as const;

function row(label: string, size: 'medium' | 'large', paper: Record<string, string>, needs: string) {
  const dart = `dart/gpt2-${size}-lora`;
  const webnlg = `webnlg/gpt2-${size}-lora`;
  const cells: Record<string, Cell> = {
    params: params(dart, paper.params),
    'dart-bleu': metric(dart, 'bleu', paper['dart-bleu']),
    'dart-meteor': metric(dart, 'meteor', paper['dart-meteor']),
    'dart-ter': metric(dart, 'ter', paper['dart-ter']),
  };
  for (const m of ['bleu', 'meteor', 'ter'])
    for (const [s, split] of SPLITS) cells[`webnlg-${m}-${s}`] = metric(webnlg, m, paper[`webnlg-${m}-${s}`], split);
  return { label, needs, cells };
}

const fraction = { kind: 'fraction', digits: 2 } as const;
const bleu = { kind: 'fixed', digits: 1 } as const;

export default defineTable({
  id: 'paper-gpt2-dart-webnlg',
  title: 'GPT-2 with LoRA on DART and WebNLG',
  citation:
    'BLEU: microsoft/LoRA README.md (root), GPT-2 table (as in Hu et al. 2021, arXiv:2106.09685); METEOR/TER: the paper\'s appendix tables for DART and WebNLG',
  app: 'nlg',
  aggregate: 'mean',
  seeds: 3,
  columns: [
    { id: 'params', label: '# trainable params', better: null, format: { kind: 'params', digits: 2 } },
    { id: 'dart-bleu', label: 'DART BLEU', better: 'higher', format: bleu },
    { id: 'dart-meteor', label: 'DART MET', better: 'higher', format: fraction },
    { id: 'dart-ter', label: 'DART TER', better: 'lower', format: fraction },
    ...['bleu', 'meteor', 'ter'].flatMap((m) =>
      SPLITS.map(([s, , S]) => ({
        id: `webnlg-${m}-${s}`,
        label: `WebNLG ${m === 'bleu' ? 'BLEU' : m === 'meteor' ? 'MET' : 'TER'} ${S}`,
        better: m === 'ter' ? ('lower' as const) : ('higher' as const),
        format: m === 'bleu' ? bleu : fraction,
      })),
    ),
  ],
  rows: [
    row(
      'GPT-2 M (LoRA)',
      'medium',
      {
        params: '0.35M',
        'dart-bleu': '47.1±.2',
        'dart-meteor': '.39',
        'dart-ter': '.46',
        'webnlg-bleu-u': '46.7±.4',
        'webnlg-bleu-s': '62.1±.2',
        'webnlg-bleu-a': '55.3±.2',
        'webnlg-meteor-u': '.38',
        'webnlg-meteor-s': '.44',
        'webnlg-meteor-a': '.41',
        'webnlg-ter-u': '.46',
        'webnlg-ter-s': '.33',
        'webnlg-ter-a': '.39',
      },
      'pretrained gpt2-medium weights and the DART/WebNLG train and test files',
    ),
    row(
      'GPT-2 L (LoRA)',
      'large',
      {
        params: '0.77M',
        'dart-bleu': '47.5±.1',
        'dart-meteor': '.39',
        'dart-ter': '.45',
        'webnlg-bleu-u': '48.4±.3',
        'webnlg-bleu-s': '64.0±.3',
        'webnlg-bleu-a': '57.0±.1',
        'webnlg-meteor-u': '.39',
        'webnlg-meteor-s': '.45',
        'webnlg-meteor-a': '.42',
        'webnlg-ter-u': '.45',
        'webnlg-ter-s': '.32',
        'webnlg-ter-a': '.38',
      },
      'pretrained gpt2-large weights and the DART/WebNLG train and test files',
    ),
  ],
  smoke: ['dart/tiny-synthetic', 'dart/tiny-synthetic-cpu', 'webnlg/tiny-synthetic', 'webnlg/tiny-synthetic-cpu'],
  reproduce: [
    'pnpm exec nx run nlg:dart -- --model <gpt2-medium folder> --data <DART folder> --backend torch --device cuda:0 --seed 110',
    'pnpm exec nx run nlg:webnlg -- --model <gpt2-medium folder> --data <WebNLG folder> --backend torch --device cuda:0 --seed 110',
    '(the same with <gpt2-large folder> for the GPT-2 L row)',
  ],
  unverified: ['dart-meteor', 'dart-ter', 'webnlg-meteor-u', 'webnlg-meteor-s', 'webnlg-meteor-a', 'webnlg-ter-u', 'webnlg-ter-s', 'webnlg-ter-a'],
  notes: ['WebNLG is scored on its unseen (U), seen (S) and all (A) categories; the record keeps each under `splits`.'],
});
