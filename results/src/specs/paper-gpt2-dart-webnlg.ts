// GPT-2 with LoRA on DART and WebNLG (the paper's appendix tables for the two data sets), the LoRA rows. BLEU and
// the parameter counts as printed in microsoft/LoRA's README (GPT-2 table; loralib-reference.md §6.2), which match
// the paper. The paper's METEOR and TER for these rows are not in our reference material, so those cells give none.
// Mean of 3 seeds; METEOR and TER are fractions.
import { NOT_IN_REFERENCE, defineTable, metric, params, type Cell } from '../spec.js';

const SPLITS = [
  ['u', 'unseen', 'U'],
  ['s', 'seen', 'S'],
  ['a', 'all', 'A'],
] as const;

function row(label: string, size: 'medium' | 'large', paper: Record<string, string>, needs: string) {
  const dart = `dart/gpt2-${size}-lora`;
  const webnlg = `webnlg/gpt2-${size}-lora`;
  const unchecked = (cell: Cell): Cell => ({ ...cell, paperMissing: NOT_IN_REFERENCE });
  const cells: Record<string, Cell> = {
    params: params(dart, paper.params),
    'dart-bleu': metric(dart, 'bleu', paper['dart-bleu']),
    'dart-meteor': unchecked(metric(dart, 'meteor', null)),
    'dart-ter': unchecked(metric(dart, 'ter', null)),
  };
  for (const [s, split] of SPLITS) {
    cells[`webnlg-bleu-${s}`] = metric(webnlg, 'bleu', paper[`webnlg-bleu-${s}`], split);
    for (const m of ['meteor', 'ter']) cells[`webnlg-${m}-${s}`] = unchecked(metric(webnlg, m, null, split));
  }
  return { label, needs, cells };
}

const fraction = { kind: 'fraction', digits: 2 } as const;
const bleu = { kind: 'fixed', digits: 1 } as const;

export default defineTable({
  id: 'paper-gpt2-dart-webnlg',
  title: 'GPT-2 with LoRA on DART and WebNLG',
  citation:
    'BLEU: microsoft/LoRA README.md (root), GPT-2 table (as in Hu et al. 2021, arXiv:2106.09685); METEOR/TER: the paper\'s appendix tables for DART and WebNLG, whose numbers are not in our reference material',
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
        'webnlg-bleu-u': '46.7±.4',
        'webnlg-bleu-s': '62.1±.2',
        'webnlg-bleu-a': '55.3±.2',
      },
      'pretrained gpt2-medium weights and the DART/WebNLG train and test files',
    ),
    row(
      'GPT-2 L (LoRA)',
      'large',
      {
        params: '0.77M',
        'dart-bleu': '47.5±.1',
        'webnlg-bleu-u': '48.4±.3',
        'webnlg-bleu-s': '64.0±.3',
        'webnlg-bleu-a': '57.0±.1',
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
  notes: ['WebNLG is scored on its unseen (U), seen (S) and all (A) categories; the record keeps each under `splits`.'],
});
