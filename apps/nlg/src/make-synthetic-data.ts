// `nx run nlg:synthetic-data -- <out folder> [--task e2e|dart|webnlg]`: writes the default run's synthetic data set
// (E2E: train.txt valid.txt test.txt as `MR||text`; DART/WebNLG: {train,valid,test}_formatted.jsonl, the output of
// format_converting_*.py) and the BPE vocabulary trained on it (encoder.json, vocab.bpe), readable with `--data` and
// `--tokenizer`.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeFileAtomicSync } from '@lorats/experiment';
import { formatEncoderJson, formatMerges } from '@lorats/tokenizers';
import type { NlgTask } from './config.js';
import { syntheticData } from './data.js';
import { formatJsonl } from './datasets/formatted.js';
import { formatE2ELines } from './datasets/synthetic-e2e.js';
import { loadExperiment } from './main.js';

const { values, positionals } = parseArgs({ args: process.argv.slice(2), allowPositionals: true, options: { task: { type: 'string', default: 'e2e' } } });
const out = positionals[0];
if (!out) {
  process.stderr.write('usage: nx run nlg:synthetic-data -- <out folder> [--task e2e|dart|webnlg]\n');
  process.exit(2);
}
const task = values.task as NlgTask;
const { config } = await loadExperiment(`${task}/tiny-synthetic`);
const { splits, bpe } = syntheticData(task, config.synthetic!);
if (task === 'e2e') {
  for (const split of ['train', 'valid', 'test'] as const) writeFileAtomicSync(join(out, `${split}.txt`), formatE2ELines(splits[split]));
} else {
  for (const split of ['train', 'valid', 'test'] as const) writeFileAtomicSync(join(out, `${split}_formatted.jsonl`), formatJsonl(splits[split]));
}
writeFileAtomicSync(join(out, 'encoder.json'), formatEncoderJson(bpe));
writeFileAtomicSync(join(out, 'vocab.bpe'), formatMerges(bpe));
process.stderr.write(`wrote ${splits.train.length}/${splits.valid.length}/${splits.test.length} examples and a ${bpe.vocab.size}-token vocabulary to ${out}\n`);
