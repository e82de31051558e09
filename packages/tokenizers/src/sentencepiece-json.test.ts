import { describe, expect, it } from 'vitest';
import { writeCharsmap } from '../test/sentencepiece-writers.js';
import { UnigramTokenizer, splitAddedTokens } from './sentencepiece-json.js';

const VOCAB: [string, number][] = [
  ['[PAD]', 0],
  ['[CLS]', 0],
  ['[SEP]', 0],
  ['[UNK]', 0],
  ['▁', -2],
  ['▁hello', -3],
  ['▁world', -3.5],
  ['o', -3],
  [',', -3],
  ['▁fine', -3],
  ['h', -6],
  ['l', -6],
];

const special = (id: number, content: string, lstrip = false) => ({
  id,
  content,
  single_word: false,
  lstrip,
  rstrip: false,
  normalized: false,
  special: true,
});

/** Shaped like transformers' DebertaV2Converter output. */
function debertaLikeJson() {
  return {
    version: '1.0',
    added_tokens: [special(0, '[PAD]'), special(1, '[CLS]'), special(2, '[SEP]'), special(3, '[UNK]'), special(12, '[MASK]', true)],
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'Strip', strip_left: true, strip_right: true },
        { type: 'Precompiled', precompiled_charsmap: Buffer.from(writeCharsmap({ 'ﬁ': 'fi', '\t': ' ' })).toString('base64') },
        { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' },
      ],
    },
    pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true }] },
    post_processor: null,
    decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    model: { type: 'Unigram', unk_id: 3, vocab: VOCAB, byte_fallback: false },
  };
}

describe('UnigramTokenizer', () => {
  const tok = new UnigramTokenizer(debertaLikeJson());

  it('runs the normalizer and Metaspace before the unigram model', () => {
    expect(tok.preTokenize('  hello \t ﬁne  world ')).toEqual(['▁hello', '▁fine', '▁world']);
    expect(tok.encodePieces('hello  ﬁne').map((t) => t.piece)).toEqual(['▁hello', '▁fine']);
    // ▁hello , w(unk) o r(unk) l d(unk): unknowns fuse only when adjacent.
    expect(tok.encode('hello,world')).toEqual([5, 8, 3, 7, 3, 11, 3]);
  });

  it('splits added tokens out of the raw text, honouring lstrip', () => {
    expect(tok.encode('hello [MASK] world')).toEqual([5, 12, 6]);
    expect(tok.encode('[CLS]hello[SEP]')).toEqual([1, 5, 2]);
    expect(tok.tokenToId('[MASK]')).toBe(12);
    expect(tok.vocabSize).toBe(13);
  });

  it('decodes, dropping special tokens and restoring spaces', () => {
    expect(tok.decode([1, 5, 9, 6, 2])).toBe('hello fine world');
  });

  it('names the file and the component it cannot read', () => {
    const bad = { ...debertaLikeJson(), pre_tokenizer: { type: 'ByteLevel' } };
    expect(() => new UnigramTokenizer(bad, 'm/tokenizer.json')).toThrow(/m\/tokenizer\.json: pre_tokenizer type ByteLevel/);
    expect(() => new UnigramTokenizer({ model: { type: 'BPE' } }, 't.json')).toThrow(/t\.json: model type BPE is not Unigram/);
    expect(() => new UnigramTokenizer({ model: { type: 'Unigram', vocab: [['a']] } }, 't.json')).toThrow(/vocab\[0\]/);
  });

  it('supports the legacy Metaspace add_prefix_space and Punctuation splitting', () => {
    const json = debertaLikeJson();
    json.pre_tokenizer = {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Punctuation', behavior: 'Isolated' } as never,
        { type: 'Metaspace', replacement: '▁', add_prefix_space: true } as never,
      ],
    };
    expect(new UnigramTokenizer(json).preTokenize('hello,world')).toEqual(['▁hello', '▁,', '▁world']);
  });
});

describe('splitAddedTokens', () => {
  const t = (id: number, content: string, lstrip = false, rstrip = false) => ({ id, content, special: true, lstrip, rstrip });

  it('prefers the longest token and keeps the text between', () => {
    const parts = splitAddedTokens('a<s><ss>b', [t(1, '<s>'), t(2, '<ss>')]);
    expect(parts.map((p) => (typeof p === 'string' ? p : p.id))).toEqual(['a', 1, 2, 'b']);
  });

  it('swallows whitespace on the stripped side only', () => {
    const parts = splitAddedTokens('a  <m>  b', [t(1, '<m>', true, false)]);
    expect(parts.map((p) => (typeof p === 'string' ? p : p.id))).toEqual(['a', 1, '  b']);
  });
});
