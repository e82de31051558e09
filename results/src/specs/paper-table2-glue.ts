// Paper Table 2 (GLUE dev), the LoRA rows: RoBERTa-base, RoBERTa-large and DeBERTa-XXL. Numbers as printed in
// Hu et al. 2021 (arXiv:2106.09685) Table 2, also microsoft/LoRA examples/NLU/figures/LoRA_NLU.PNG; median of 5 runs
// with ± the paper's interval. Params are LoRA only (the classifier head, also trained, is not counted there).
import { defineTable, params, type Cell } from '../spec.js';
import { GLUE_SMOKE, GLUE_TASKS, glueCell, glueColumn, type GlueTaskId } from './glue-columns.js';

function row(label: string, preset: string, paramCount: string, paper: Record<GlueTaskId, string>, average: string, needs: string) {
  const cells: Record<string, Cell> = { params: params(`${preset}/mnli`, paramCount) };
  for (const t of GLUE_TASKS) cells[t] = glueCell(preset, t, paper[t]);
  cells.avg = { paper: average };
  return { label, needs, cells };
}

export default defineTable({
  id: 'paper-table2-glue',
  title: 'Paper Table 2: GLUE dev with LoRA (RoBERTa-base/large, DeBERTa-XXL)',
  citation: 'Hu et al. 2021, LoRA (arXiv:2106.09685), Table 2; microsoft/LoRA examples/NLU/figures/LoRA_NLU.PNG',
  app: 'nlu',
  aggregate: 'median',
  seeds: 5,
  columns: [
    { id: 'params', label: '# trainable params', better: null, format: { kind: 'params', digits: 2 } },
    ...GLUE_TASKS.map(glueColumn),
    { id: 'avg', label: 'Avg.', better: 'higher', format: { kind: 'fixed', digits: 1 }, meanOf: GLUE_TASKS },
  ],
  rows: [
    row(
      'RoB-base LoRA',
      'roberta-base',
      '0.3M',
      { mnli: '87.5±.3', sst2: '95.1±.2', mrpc: '89.7±.7', cola: '63.4±1.2', qnli: '93.3±.3', qqp: '90.8±.1', rte: '86.6±.7', stsb: '91.5±.2' },
      '87.2',
      'pretrained roberta-base weights and the GLUE data',
    ),
    row(
      'RoB-large LoRA',
      'roberta-large',
      '0.8M',
      { mnli: '90.6±.2', sst2: '96.2±.5', mrpc: '90.9±1.2', cola: '68.2±1.9', qnli: '94.9±.3', qqp: '91.6±.1', rte: '87.4±2.5', stsb: '92.6±.2' },
      '89.0',
      'pretrained roberta-large weights and the GLUE data',
    ),
    {
      label: 'RoB-large LoRA†',
      needs: 'an experiment for the † setup',
      missing: 'no experiment: the † (Houlsby-like) setup has no script in microsoft/LoRA',
      cells: {
        params: { paper: '0.8M' },
        mnli: { paper: '90.6±.2' },
        sst2: { paper: '96.2±.5' },
        mrpc: { paper: '90.2±1.0' },
        cola: { paper: '68.2±1.9' },
        qnli: { paper: '94.8±.3' },
        qqp: { paper: '91.6±.2' },
        rte: { paper: '85.2±1.1' },
        stsb: { paper: '92.3±.5' },
        avg: { paper: '88.6' },
      },
    },
    row(
      'DeB-XXL LoRA',
      'deberta-v2-xxlarge',
      '4.7M',
      { mnli: '91.9±.2', sst2: '96.9±.2', mrpc: '92.6±.6', cola: '72.4±1.1', qnli: '96.0±.1', qqp: '92.9±.1', rte: '94.9±.4', stsb: '93.0±.2' },
      '91.3',
      'pretrained deberta-v2-xxlarge weights (1.5B parameters, a large GPU) and the GLUE data',
    ),
  ],
  smoke: GLUE_SMOKE,
  reproduce: [
    'pnpm exec nx run nlu:glue-all -- --model <roberta-base folder> --data <GLUE folder>',
    'pnpm exec nx run nlu:glue-all -- --model <roberta-large folder> --data <GLUE folder>',
    'pnpm exec nx run nlu:glue-all -- --model <deberta-v2-xxlarge folder> --data <GLUE folder> --backend torch --device cuda:0',
  ],
  notes: [
    'MRPC, RTE and STS-B start from the MNLI adapter of the same seed, as examples/NLU does (`initFrom`).',
    'Our parameter count is what the runs train: LoRA plus the classifier head; the paper counts LoRA only.',
  ],
});
