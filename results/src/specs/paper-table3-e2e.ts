// Paper Table 3 (E2E NLG Challenge test set, all five metrics), the LoRA rows: GPT-2 Medium and Large. Numbers as
// printed in Hu et al. 2021 (arXiv:2106.09685) Table 3, also microsoft/LoRA examples/NLG/figures/LoRA_GPT2.PNG; mean
// of 3 seeds, each from its best epoch. The E2E scripts print BLEU, METEOR and ROUGE-L as fractions; records store them
// on the paper's scale (70.4).
import { defineTable, metric, params } from '../spec.js';

function row(label: string, experiment: string, paper: Record<string, string>, needs: string) {
  return {
    label,
    needs,
    cells: {
      params: params(experiment, paper.params),
      bleu: metric(experiment, 'bleu', paper.bleu),
      nist: metric(experiment, 'nist', paper.nist),
      meteor: metric(experiment, 'meteor', paper.meteor),
      rouge_l: metric(experiment, 'rouge_l', paper.rouge_l),
      cider: metric(experiment, 'cider', paper.cider),
    },
  };
}

export default defineTable({
  id: 'paper-table3-e2e',
  title: 'Paper Table 3: E2E NLG Challenge with GPT-2 and LoRA',
  citation: 'Hu et al. 2021, LoRA (arXiv:2106.09685), Table 3; microsoft/LoRA examples/NLG/figures/LoRA_GPT2.PNG',
  app: 'nlg',
  aggregate: 'mean',
  seeds: 3,
  columns: [
    { id: 'params', label: '# trainable params', better: null, format: { kind: 'params', digits: 2 } },
    { id: 'bleu', label: 'BLEU', better: 'higher', format: { kind: 'fixed', digits: 1 } },
    { id: 'nist', label: 'NIST', better: 'higher', format: { kind: 'fixed', digits: 2 } },
    { id: 'meteor', label: 'METEOR', better: 'higher', format: { kind: 'fixed', digits: 1 } },
    { id: 'rouge_l', label: 'ROUGE-L', better: 'higher', format: { kind: 'fixed', digits: 1 } },
    { id: 'cider', label: 'CIDEr', better: 'higher', format: { kind: 'fixed', digits: 2 } },
  ],
  rows: [
    row(
      'GPT-2 M (LoRA)',
      'e2e/gpt2-medium-lora',
      { params: '0.35M', bleu: '70.4±.1', nist: '8.85±.02', meteor: '46.8±.2', rouge_l: '71.8±.1', cider: '2.53±.02' },
      'pretrained gpt2-medium weights and the E2E train/valid/test files',
    ),
    row(
      'GPT-2 L (LoRA)',
      'e2e/gpt2-large-lora',
      { params: '0.77M', bleu: '70.4±.1', nist: '8.89±.02', meteor: '46.8±.2', rouge_l: '72.0±.2', cider: '2.47±.02' },
      'pretrained gpt2-large weights and the E2E train/valid/test files',
    ),
  ],
  smoke: ['e2e/tiny-synthetic', 'e2e/tiny-synthetic-cpu'],
  reproduce: [
    'pnpm exec nx run nlg:e2e -- --model <gpt2-medium folder> --data <E2E folder> --backend torch --device cuda:0 --seed 110',
    'pnpm exec nx run nlg:e2e -- --model <gpt2-large folder> --data <E2E folder> --backend torch --device cuda:0 --seed 110',
  ],
  notes: ['Run three seeds per row (`--seed N` for each) for the mean the paper reports.'],
});
