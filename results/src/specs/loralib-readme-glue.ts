// microsoft/LoRA README.md, the GLUE table: RoBERTa-base and DeBERTa-XXL LoRA on the dev sets, "median of 5 runs"
// with ± intervals, MNLI matched/mismatched and STS-B Pearson/Spearman. The README's parameter counts include the
// classifier head (0.8M for RoBERTa-base: 294,912 LoRA + 592,899 head on MNLI).
import { defineTable, metric, params, type Cell } from '../spec.js';
import { GLUE_SMOKE, GLUE_TASKS, glueCell, glueColumn } from './glue-columns.js';

const COLUMNS = [
  { id: 'params', label: '# trainable params', better: null, format: { kind: 'params', digits: 2 } },
  { ...glueColumn('mnli'), id: 'mnli', label: 'MNLI (m acc)' },
  { id: 'mnli-mm', label: 'MNLI (mm acc)', better: 'higher', format: { kind: 'fixed', digits: 1 } },
  ...GLUE_TASKS.filter((t) => t !== 'mnli' && t !== 'stsb').map(glueColumn),
  { ...glueColumn('stsb'), id: 'stsb' },
  { id: 'stsb-spearman', label: 'STS-B (Spearman)', better: 'higher', format: { kind: 'fixed', digits: 1 } },
  { id: 'avg', label: 'Average', better: 'higher', format: { kind: 'fixed', digits: 2 }, meanOf: GLUE_TASKS },
] as const;

function row(label: string, preset: string, paper: Record<string, string>, needs: string) {
  const cells: Record<string, Cell> = {
    params: params(`${preset}/mnli`, paper.params),
    'mnli-mm': metric(`${preset}/mnli`, 'accuracy_mm', paper['mnli-mm']),
    'stsb-spearman': metric(`${preset}/stsb`, 'spearman', paper['stsb-spearman']),
    avg: { paper: paper.avg },
  };
  for (const t of GLUE_TASKS) cells[t] = glueCell(preset, t, paper[t]);
  return { label, needs, cells };
}

export default defineTable({
  id: 'loralib-readme-glue',
  title: 'loralib README: GLUE dev, RoBERTa-base and DeBERTa-XXL with LoRA',
  citation: 'microsoft/LoRA README.md (root), GLUE table',
  app: 'nlu',
  aggregate: 'median',
  seeds: 5,
  columns: COLUMNS,
  rows: [
    row(
      'RoBERTa-base LoRA',
      'roberta-base',
      {
        params: '0.8M',
        mnli: '87.5±.3',
        'mnli-mm': '86.9±.3',
        sst2: '95.1±.2',
        mrpc: '89.7±.7',
        cola: '63.4±1.2',
        qnli: '93.3±.3',
        qqp: '90.8±.1',
        rte: '86.6±.7',
        stsb: '91.5±.2',
        'stsb-spearman': '91.3±.2',
        avg: '87.24',
      },
      'pretrained roberta-base weights and the GLUE data',
    ),
    row(
      'DeBERTa-XXL LoRA',
      'deberta-v2-xxlarge',
      {
        params: '4.7M',
        mnli: '91.9±.1',
        'mnli-mm': '91.9±.2',
        sst2: '96.9±.2',
        mrpc: '92.6±.6',
        cola: '72.4±1.1',
        qnli: '96.0±.1',
        qqp: '92.9±.1',
        rte: '94.9±.4',
        stsb: '93.0±.2',
        'stsb-spearman': '92.9±.3',
        avg: '91.32',
      },
      'pretrained deberta-v2-xxlarge weights (1.5B parameters, a large GPU) and the GLUE data',
    ),
  ],
  smoke: GLUE_SMOKE,
  reproduce: [
    'pnpm exec nx run nlu:glue-all -- --model <roberta-base folder> --data <GLUE folder>',
    'pnpm exec nx run nlu:glue-all -- --model <deberta-v2-xxlarge folder> --data <GLUE folder> --backend torch --device cuda:0',
  ],
  notes: ['The average is over the eight headline metrics (MNLI matched, STS-B Pearson), as the README computes it.'],
});
