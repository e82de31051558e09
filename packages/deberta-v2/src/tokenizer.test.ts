import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SentencePieceProcessor, UnigramTokenizer } from '@lorats/tokenizers';
import { describe, expect, it } from 'vitest';
import { DebertaV2Tokenizer } from './tokenizer.js';

// Expected ids from fixtures/generate.py: `sentencepiece` on spm.model, and transformers' tokenizer (converted to
// tokenizer.json) for single texts and truncated pairs.
const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const expected = JSON.parse(readFileSync(`${FIXTURES}expected.json`, 'utf8')).tokenizer as {
  spm: { text: string; ids: number[]; pieces: string[] }[];
  hf: { text: string; ids: number[] }[];
  pairs: { a: string; b: string; max_length: number; ids: number[]; token_type_ids: number[] }[];
};
const folder = `${FIXTURES}deberta-tiny`;

describe('SentencePiece on a trained unigram spm.model', () => {
  const sp = new SentencePieceProcessor(readFileSync(`${folder}/spm.model`));

  it.each(expected.spm)('segments $text as the sentencepiece library does', ({ text, ids, pieces }) => {
    expect(sp.encodePieces(text).map((t) => t.piece)).toEqual(pieces);
    expect(sp.encode(text)).toEqual(ids);
  });
});

describe('DebertaV2Tokenizer', () => {
  const fromJson = new DebertaV2Tokenizer(new UnigramTokenizer(JSON.parse(readFileSync(`${folder}/tokenizer.json`, 'utf8'))));

  it.each(expected.hf)('encodes $text as transformers does from tokenizer.json', ({ text, ids }) => {
    expect(fromJson.encodeInput(text).inputIds).toEqual(ids);
  });

  it.each(expected.pairs)('encodes pairs with [SEP] and token types 0/1, truncated to $max_length', ({ a, b, max_length, ids, token_type_ids }) => {
    const e = fromJson.encodeInput(a, b, { maxLength: max_length });
    expect(e.inputIds).toEqual(ids);
    expect(e.tokenTypeIds).toEqual(token_type_ids);
  });

  it('prefers spm.model in a folder and wraps inputs in [CLS] … [SEP]', () => {
    const tok = DebertaV2Tokenizer.fromFolder(folder);
    const first = expected.spm[0];
    expect(tok.encodeInput(first.text).inputIds).toEqual([tok.clsId, ...first.ids, tok.sepId]);
    expect(tok.padId).toBe(0);
  });

  it('names the folder when it has no tokenizer', () => {
    expect(() => DebertaV2Tokenizer.fromFolder(`${FIXTURES}peft-adapter`)).toThrow(/peft-adapter: no spm\.model or tokenizer\.json/);
  });
});
