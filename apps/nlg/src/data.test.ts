import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNlgData, syntheticData } from './data.js';
import { formatJsonl } from './datasets/formatted.js';

describe('readNlgData', () => {
  it('reads E2E files and names the split it cannot find', () => {
    const dir = mkdtempSync(join(tmpdir(), 'e2e-'));
    writeFileSync(join(dir, 'train.txt'), 'name : A||A is here . \n');
    expect(() => readNlgData('e2e', dir)).toThrow(`${dir}: no e2e valid split (looked for valid.txt, dev.txt, valid_formatted.jsonl)`);
    writeFileSync(join(dir, 'dev.txt'), 'name : B||B is here . \n');
    writeFileSync(join(dir, 'test.txt'), 'name : C||C is here . \n');
    const d = readNlgData('e2e', dir);
    expect(d.valid).toEqual([{ context: 'name : B', completion: 'B is here .' }]);
    expect(d.sources.valid).toBe(join(dir, 'dev.txt'));
    expect(() => readNlgData('e2e', join(dir, 'missing'))).toThrow(/not a folder/);
  });

  it('reads create_datasets.sh’s *_formatted.jsonl for any data set, keeping WebNLG’s cate', () => {
    const dir = mkdtempSync(join(tmpdir(), 'webnlg-'));
    for (const split of ['train', 'valid', 'test']) {
      writeFileSync(join(dir, `${split}_formatted.jsonl`), formatJsonl([{ context: `x : p : ${split}`, completion: 'X.', cate: split !== 'test' }]));
    }
    const d = readNlgData('webnlg', dir);
    expect(d.test).toEqual([{ context: 'x : p : test', completion: 'X.', cate: false }]);
    writeFileSync(join(dir, 'test_formatted.jsonl'), '{"context": 1}\n');
    expect(() => readNlgData('webnlg', dir)).toThrow(`${join(dir, 'test_formatted.jsonl')}:1: expected {"context": string, "completion": string}`);
  });
});

describe('syntheticData', () => {
  it('formats contexts as the task does and trains a vocabulary with <|endoftext|> that covers them', () => {
    const s = { trainMrs: 10, validMrs: 2, testMrs: 12, vocabSize: 400, dataSeed: 1, corpusMrs: 5, pretrainSteps: 0, pretrainLr: 0, unseenTypes: ['restaurant'] };
    const webnlg = syntheticData('webnlg', s);
    expect(webnlg.splits.train[0].context).toMatch(/^[^|]+ : [a-zA-Z]+ : /);
    expect(webnlg.splits.train.every((e) => e.cate === true)).toBe(true);
    expect(webnlg.splits.test.some((e) => e.cate === false)).toBe(true);
    const dart = syntheticData('dart', { ...s, unseenTypes: [] });
    expect(dart.splits.train.flatMap((e) => e.context.split(' | ').map((t) => t.split(' : ')[1])).every((p) => p === p.toLowerCase())).toBe(true);
    const e2e = syntheticData('e2e', { ...s, unseenTypes: [] });
    expect(e2e.splits.train[0].context).toMatch(/^name : /);
    expect(e2e.tokenizer.tokenToId('<|endoftext|>')).toBe(e2e.tokenizer.vocabSize - 1);
    expect(e2e.tokenizer.decode(e2e.tokenizer.encode(e2e.splits.test[0].completion))).toBe(e2e.splits.test[0].completion);
  });
});
