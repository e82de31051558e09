// Where an NLG run's data and tokenizer come from: a data folder in the layout each data set ships in, or the
// synthetic E2E-style set (with a small byte-level BPE trained on it) for the default run.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { bpeTokenizer, trainByteLevelBpe, type BpeModel, type TextTokenizer } from '@lorats/tokenizers';
import type { NlgConfig, NlgTask } from './config.js';
import { readDart } from './datasets/dart.js';
import { readE2E } from './datasets/e2e.js';
import { readFormattedJsonl, type NlgExample } from './datasets/formatted.js';
import { generateSyntheticE2E } from './datasets/synthetic-e2e.js';
import { readWebNLG } from './datasets/webnlg.js';

export interface NlgSplits {
  train: NlgExample[];
  valid: NlgExample[];
  test: NlgExample[];
  /** Where each split was read from (for the record and errors). */
  sources: { train: string; valid: string; test: string };
}

/** The files each data set is looked up by, in order of preference, per split. */
export const DATA_FILES: Record<NlgTask, Record<'train' | 'valid' | 'test', string[]>> = {
  e2e: { train: ['train.txt', 'train_formatted.jsonl'], valid: ['valid.txt', 'dev.txt', 'valid_formatted.jsonl'], test: ['test.txt', 'test_formatted.jsonl'] },
  dart: {
    train: ['dart-v1.1.1-full-train.json', 'train.json', 'dart-v1.1.1-full-train.xml', 'train.xml', 'train_formatted.jsonl'],
    valid: ['dart-v1.1.1-full-dev.json', 'dev.json', 'valid.json', 'dart-v1.1.1-full-dev.xml', 'dev.xml', 'valid_formatted.jsonl'],
    test: ['dart-v1.1.1-full-test.json', 'test.json', 'dart-v1.1.1-full-test.xml', 'test.xml', 'test_formatted.jsonl'],
  },
  webnlg: {
    train: ['train.json', 'train', 'train_formatted.jsonl'],
    valid: ['dev.json', 'valid.json', 'dev', 'valid_formatted.jsonl'],
    test: ['test.json', 'test', 'test_formatted.jsonl'],
  },
};

const READERS: Record<NlgTask, (path: string) => NlgExample[]> = { e2e: readE2E, dart: readDart, webnlg: readWebNLG };

/** Reads one split; `*_formatted.jsonl` (format_converting_*.py's output, as create_datasets.sh leaves it) for any task. */
function readSplit(task: NlgTask, path: string): NlgExample[] {
  return path.endsWith('.jsonl') ? readFormattedJsonl(path) : READERS[task](path);
}

/** Reads train/valid/test of `task` from `dir`; the error lists the file names it looked for. */
export function readNlgData(task: NlgTask, dir: string): NlgSplits {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`${dir}: not a folder (--data takes the folder holding the ${task} files)`);
  const pick = (split: 'train' | 'valid' | 'test') => {
    const names = DATA_FILES[task][split];
    const found = names.map((n) => join(dir, n)).find(existsSync);
    if (!found) throw new Error(`${dir}: no ${task} ${split} split (looked for ${names.join(', ')})`);
    return found;
  };
  const sources = { train: pick('train'), valid: pick('valid'), test: pick('test') };
  return { train: readSplit(task, sources.train), valid: readSplit(task, sources.valid), test: readSplit(task, sources.test), sources };
}

/** The synthetic E2E-style splits and a BPE vocabulary trained on their training text. */
export function syntheticData(task: NlgTask, synthetic: NonNullable<NlgConfig['synthetic']>): { splits: NlgSplits; tokenizer: TextTokenizer; bpe: BpeModel } {
  const data = generateSyntheticE2E({
    seed: synthetic.dataSeed,
    format: task === 'e2e' ? 'mr' : 'triples',
    lowercasePredicates: task === 'dart',
    unseenTypes: synthetic.unseenTypes,
    trainMrs: synthetic.trainMrs,
    validMrs: synthetic.validMrs,
    testMrs: synthetic.testMrs,
    refsPerMr: [3, 6],
  });
  // The vocabulary also covers the other linearisation, which the pretraining stand-in uses.
  const other = generateSyntheticE2E({ seed: synthetic.dataSeed + 1, trainMrs: 50, validMrs: 1, testMrs: 1, refsPerMr: [1, 1], format: task === 'e2e' ? 'triples' : 'mr' });
  const texts = [...data.train, ...other.train].flatMap((e) => [e.context, ` ${e.completion}`]);
  const model = trainByteLevelBpe(texts, { vocabSize: synthetic.vocabSize, specialTokens: ['<|endoftext|>'] });
  const source = `synthetic ${task} (seed ${synthetic.dataSeed})`;
  return { splits: { ...data, sources: { train: source, valid: source, test: source } }, tokenizer: bpeTokenizer(model), bpe: model };
}
