// microsoft/LoRA README.md, the GPT-2 table: the LoRA rows (GPT-2 Medium and Large), BLEU on E2E, DART and WebNLG
// (unseen / seen / all), mean of 3 seeds with ± intervals.
import { defineTable, metric, params } from '../spec.js';

function row(label: string, size: 'medium' | 'large', paper: Record<string, string>, needs: string) {
  return {
    label,
    needs,
    cells: {
      params: params(`e2e/gpt2-${size}-lora`, paper.params),
      e2e: metric(`e2e/gpt2-${size}-lora`, 'bleu', paper.e2e),
      dart: metric(`dart/gpt2-${size}-lora`, 'bleu', paper.dart),
      'webnlg-u': metric(`webnlg/gpt2-${size}-lora`, 'bleu', paper['webnlg-u'], 'unseen'),
      'webnlg-s': metric(`webnlg/gpt2-${size}-lora`, 'bleu', paper['webnlg-s'], 'seen'),
      'webnlg-a': metric(`webnlg/gpt2-${size}-lora`, 'bleu', paper['webnlg-a'], 'all'),
    },
  };
}

const bleu = { kind: 'fixed', digits: 1 } as const;

export default defineTable({
  id: 'loralib-readme-gpt2',
  title: 'loralib README: GPT-2 with LoRA on E2E, DART and WebNLG (BLEU)',
  citation: 'microsoft/LoRA README.md (root), GPT-2 table',
  app: 'nlg',
  aggregate: 'mean',
  seeds: 3,
  columns: [
    { id: 'params', label: '# trainable params', better: null, format: { kind: 'params', digits: 2 } },
    { id: 'e2e', label: 'E2E BLEU', better: 'higher', format: bleu },
    { id: 'dart', label: 'DART BLEU', better: 'higher', format: bleu },
    { id: 'webnlg-u', label: 'WebNLG BLEU U', better: 'higher', format: bleu },
    { id: 'webnlg-s', label: 'WebNLG BLEU S', better: 'higher', format: bleu },
    { id: 'webnlg-a', label: 'WebNLG BLEU A', better: 'higher', format: bleu },
  ],
  rows: [
    row(
      'GPT-2 M LoRA',
      'medium',
      { params: '0.35M', e2e: '70.4±.1', dart: '47.1±.2', 'webnlg-u': '46.7±.4', 'webnlg-s': '62.1±.2', 'webnlg-a': '55.3±.2' },
      'pretrained gpt2-medium weights and the E2E, DART and WebNLG data',
    ),
    row(
      'GPT-2 L LoRA',
      'large',
      { params: '0.77M', e2e: '70.4±.1', dart: '47.5±.1', 'webnlg-u': '48.4±.3', 'webnlg-s': '64.0±.3', 'webnlg-a': '57.0±.1' },
      'pretrained gpt2-large weights and the E2E, DART and WebNLG data',
    ),
  ],
  smoke: ['e2e/tiny-synthetic', 'e2e/tiny-synthetic-cpu', 'dart/tiny-synthetic', 'dart/tiny-synthetic-cpu', 'webnlg/tiny-synthetic', 'webnlg/tiny-synthetic-cpu'],
  reproduce: [
    'pnpm exec nx run nlg:e2e -- --model <gpt2-medium folder> --data <E2E folder> --backend torch --device cuda:0 --seed 110',
    'pnpm exec nx run nlg:dart -- --model <gpt2-medium folder> --data <DART folder> --backend torch --device cuda:0 --seed 110',
    'pnpm exec nx run nlg:webnlg -- --model <gpt2-medium folder> --data <WebNLG folder> --backend torch --device cuda:0 --seed 110',
    '(the same with <gpt2-large folder> for the GPT-2 L row)',
  ],
});
