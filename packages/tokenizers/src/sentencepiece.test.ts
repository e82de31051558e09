import { describe, expect, it } from 'vitest';
import { writeCharsmap, writeModelProto } from '../test/sentencepiece-writers.js';
import { parseSentencePieceModel, type SentencePiece } from './sentencepiece-model.js';
import { PrecompiledCharsmap, SentencePieceNormalizer, applyPrecompiled, prefixMatcher } from './sentencepiece-normalizer.js';
import { SentencePieceProcessor } from './sentencepiece.js';
import { UnigramModel } from './sentencepiece-unigram.js';

const BASE: SentencePiece[] = [
  { piece: '<unk>', score: 0, type: 'unknown' },
  { piece: '[CLS]', score: 0, type: 'control' },
  { piece: '[SEP]', score: 0, type: 'control' },
];
const WORDS: [string, number][] = [
  ['▁', -2],
  ['▁hello', -3],
  ['▁hell', -4],
  ['o', -3],
  ['▁world', -3.5],
  ['h', -5],
  ['e', -5],
  ['l', -5],
  ['▁w', -6],
  ['or', -6],
  ['ld', -6],
  ['fi', -4],
  ['A', -4],
];
const PIECES: SentencePiece[] = [...BASE, ...WORDS.map(([piece, score]) => ({ piece, score, type: 'normal' as const }))];

const enc = new TextEncoder();
const dec = new TextDecoder();

describe('parseSentencePieceModel', () => {
  it('reads pieces, scores, types and specs written as protobuf', () => {
    const bytes = writeModelProto(PIECES, { byteFallback: true, unkId: 0, padId: -1 }, { name: 'custom', addDummyPrefix: false });
    const m = parseSentencePieceModel(bytes);
    expect(m.pieces.map((p) => p.piece)).toEqual(PIECES.map((p) => p.piece));
    expect(m.pieces[4].score).toBeCloseTo(-3, 6);
    expect(m.pieces[1].type).toBe('control');
    expect(m.trainer).toMatchObject({ modelType: 'unigram', byteFallback: true, unkId: 0, padId: -1 });
    expect(m.normalizer).toMatchObject({ name: 'custom', addDummyPrefix: false, removeExtraWhitespaces: true });
  });

  it('rejects a file that is not a model, naming it', () => {
    expect(() => parseSentencePieceModel(enc.encode('{"not": "protobuf"}'), 'x/spm.model')).toThrow(/x\/spm\.model/);
    expect(() => parseSentencePieceModel(new Uint8Array([0x0a, 0x05, 0x01]), 'm')).toThrow(/runs past the end/);
    expect(() => parseSentencePieceModel(new Uint8Array(0), 'm')).toThrow(/no pieces/);
  });
});

describe('PrecompiledCharsmap', () => {
  const map = new PrecompiledCharsmap(writeCharsmap({ 'Ａ': 'A', '\t': ' ', 'ﬁ': 'fi', ab: 'X', abc: 'Y' }));

  it('finds the longest rule at a position', () => {
    const b = enc.encode('abcd');
    expect(dec.decode(map.match(b, 0)?.replacement)).toBe('Y');
    expect(map.match(b, 0)?.length).toBe(3);
    expect(map.shortestMatch(b, 0)?.length).toBe(2);
    expect(map.match(b, 1)).toBeUndefined();
    expect(dec.decode(map.match(enc.encode('Ａx'), 0)?.replacement)).toBe('A');
  });

  it('rejects a blob whose header does not fit', () => {
    expect(() => new PrecompiledCharsmap(new Uint8Array([0xff, 0, 0, 0]))).toThrow(/does not fit/);
  });

  it('applies per grapheme as HF tokenizers does', () => {
    expect(applyPrecompiled(map, 'ﬁ\tＡ!')).toBe('fi A!');
  });
});

describe('SentencePieceNormalizer', () => {
  const spec = {
    name: 'custom',
    precompiledCharsmap: writeCharsmap({ 'Ａ': 'A', '\t': ' ', 'ﬁ': 'fi' }),
    addDummyPrefix: true,
    removeExtraWhitespaces: true,
    escapeWhitespaces: true,
  };

  it('maps characters, squeezes whitespace and adds the dummy prefix', () => {
    const n = new SentencePieceNormalizer(spec);
    expect(n.normalize('  Ａ  ﬁne\tday  ')).toBe('▁A▁fine▁day');
    expect(n.normalize(' \t ')).toBe('');
  });

  it('keeps whitespace when asked', () => {
    const n = new SentencePieceNormalizer({ ...spec, removeExtraWhitespaces: false, addDummyPrefix: false });
    expect(n.normalize(' a  b ')).toBe('▁a▁▁b▁');
  });

  it('puts the dummy space last when whitespace is a suffix', () => {
    const n = new SentencePieceNormalizer(spec, { treatWhitespaceAsSuffix: true });
    expect(n.normalize('a b')).toBe('a▁b▁');
  });

  it('replaces malformed UTF-8 with U+FFFD (lone surrogates)', () => {
    expect(new SentencePieceNormalizer(spec).normalize('a\ud800b')).toBe('▁a\ufffdb');
  });

  it('copies user-defined symbols through unnormalized', () => {
    const n = new SentencePieceNormalizer(spec, { userDefined: prefixMatcher(['Ａ\t']) });
    expect(n.normalize('xＡ\ty')).toBe('▁xＡ\ty');
  });
});

describe('UnigramModel', () => {
  const model = new UnigramModel(
    PIECES.map((p) => ({ piece: p.piece, score: p.score, kind: p.type === 'normal' ? 'normal' : 'reserved' })),
    { unkId: 0 },
  );

  it('picks the highest-scoring segmentation', () => {
    // ▁hello (-3) beats ▁hell + o (-7); ▁world (-3.5) beats ▁w + or + ld (-18).
    expect(model.encode('▁hello▁world').map((t) => t.piece)).toEqual(['▁hello', '▁world']);
    expect(model.encode('▁hellol').map((t) => t.piece)).toEqual(['▁hello', 'l']);
  });

  it('fuses a run of unknown characters into one unknown token', () => {
    const t = model.encode('▁hello¿¡o');
    expect(t.map((x) => [x.id, x.piece])).toEqual([
      [4, '▁hello'],
      [0, '¿¡'],
      [6, 'o'],
    ]);
  });

  it('never matches reserved (control) pieces inside text', () => {
    expect(model.encode('[CLS]').every((t) => t.id === 0)).toBe(true);
  });

  it('scores a user-defined symbol as bytes × the best normal score − 0.1, ignoring its own score', () => {
    // ab: 2 × (−1) − 0.1 = −2.1 beats a + b = −2.5.
    const m = new UnigramModel(
      [
        { piece: '<unk>', score: 0, kind: 'reserved' },
        { piece: 'a', score: -1, kind: 'normal' },
        { piece: 'b', score: -1.5, kind: 'normal' },
        { piece: 'ab', score: -100, kind: 'userDefined' },
        { piece: 'abab', score: -0.5, kind: 'unused' },
      ],
      { unkId: 0 },
    );
    expect(m.encode('abab').map((t) => t.piece)).toEqual(['ab', 'ab']);
  });

  it('falls back to byte pieces for unknown characters', () => {
    const bytes = Array.from({ length: 256 }, (_, b) => ({
      piece: `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`,
      score: 0,
      kind: 'reserved' as const,
    }));
    const m = new UnigramModel([{ piece: '<unk>', score: 0, kind: 'reserved' }, { piece: 'a', score: -1, kind: 'normal' }, ...bytes], {
      unkId: 0,
      byteFallback: true,
    });
    expect(m.encode('aé').map((t) => t.piece)).toEqual(['a', '<0xC3>', '<0xA9>']);
    expect(() => new UnigramModel([{ piece: '<unk>', score: 0, kind: 'reserved' }], { unkId: 0, byteFallback: true })).toThrow(
      /256/,
    );
  });
});

describe('SentencePieceProcessor', () => {
  const bytes = writeModelProto(PIECES, {}, { precompiledCharsmap: writeCharsmap({ 'Ａ': 'A', 'ﬁ': 'fi' }) });
  const sp = new SentencePieceProcessor(bytes);

  it('normalizes, then segments', () => {
    expect(sp.encodePieces('  hello   world ').map((t) => t.piece)).toEqual(['▁hello', '▁world']);
    expect(sp.encode('Ａ')).toEqual([3, 15]);
    expect(sp.vocabSize).toBe(PIECES.length);
    expect(sp.tokenToId('[SEP]')).toBe(2);
    expect(sp.idToToken(4)).toBe('▁hello');
  });

  it('decodes ids back to text, dropping control pieces', () => {
    expect(sp.decode([1, ...sp.encode('hello world'), 2])).toBe('hello world');
    expect(sp.decode(sp.encode('hello ¿'))).toBe('hello  \u2047 ');
    expect(() => sp.decode([999])).toThrow(/outside/);
  });

  it('refuses non-unigram models', () => {
    expect(() => new SentencePieceProcessor(writeModelProto(PIECES, { modelType: 'bpe' }), 'bpe.model')).toThrow(
      /bpe\.model: model type bpe/,
    );
  });
});
