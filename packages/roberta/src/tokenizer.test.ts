import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ByteLevelBpe } from '@lorats/tokenizers';
import { describe, expect, it } from 'vitest';
import { ROBERTA_SPECIAL_TOKENS, RobertaTokenizer } from './tokenizer.js';

// Expected ids from fixtures/generate.py (transformers' RobertaTokenizerFast on the tiny BPE vocabulary).
const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const expected = JSON.parse(readFileSync(`${FIXTURES}expected.json`, 'utf8')).tokenizer as {
  single: { text: string; ids: number[] }[];
  pairs: { a: string; b: string; max_length: number; ids: number[] }[];
  encode_no_specials: { text: string; ids: number[] }[];
};

describe('RobertaTokenizer', () => {
  const tok = RobertaTokenizer.fromFolder(`${FIXTURES}roberta-tiny`);

  it.each(expected.encode_no_specials)('encodes $text as HF does', ({ text, ids }) => {
    expect(tok.encode(text)).toEqual(ids);
  });

  it.each(expected.single)('wraps one sentence in <s> … </s>: $text', ({ text, ids }) => {
    expect(tok.encodeInput(text).inputIds).toEqual(ids);
  });

  it.each(expected.pairs)('encodes pairs with </s></s> and longest_first truncation (max $max_length)', ({ a, b, max_length, ids }) => {
    const e = tok.encodeInput(a, b, { maxLength: max_length });
    expect(e.inputIds).toEqual(ids);
    expect(e.tokenTypeIds.every((t) => t === 0)).toBe(true);
  });

  it('reads tokenizer.json alone as well as vocab.json + merges.txt', () => {
    const fromJson = new RobertaTokenizer(ByteLevelBpe.fromTokenizerJson(`${FIXTURES}roberta-tiny/tokenizer.json`, { specialTokens: ROBERTA_SPECIAL_TOKENS }));
    for (const { text, ids } of expected.single) expect(fromJson.encodeInput(text).inputIds).toEqual(ids);
  });
});
