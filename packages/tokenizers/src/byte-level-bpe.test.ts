import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ByteLevelBpe, GPT2_SPLIT_PATTERN, bytesToUnicode, bytesToUnicodeOrder, parseMerges } from './byte-level-bpe.js';

// A hand-built vocabulary: the 256 byte symbols (GPT-2 order) plus five merges.
function tinyTokenizer(specialTokens: string[] = []): ByteLevelBpe {
  const vocab = new Map<string, number>();
  for (const [, ch] of bytesToUnicodeOrder()) vocab.set(ch, vocab.size);
  const merges: Array<[string, string]> = [['h', 'e'], ['l', 'l'], ['he', 'll'], ['hell', 'o'], ['Ġ', 'w']];
  for (const [a, b] of merges) vocab.set(a + b, vocab.size);
  vocab.set('<|endoftext|>', vocab.size);
  return new ByteLevelBpe(vocab, merges, { specialTokens });
}

describe('bytesToUnicode', () => {
  it('is a bijection whose first id is "!" and which maps space to Ġ and newline to Ċ', () => {
    const table = bytesToUnicode();
    expect(new Set(table).size).toBe(256);
    expect(bytesToUnicodeOrder()[0]).toEqual([33, '!']);
    expect(table[32]).toBe('Ġ');
    expect(table[10]).toBe('Ċ');
  });
});

describe('GPT2_SPLIT_PATTERN', () => {
  // Expected splits printed by Python `regex` 2026.5.9 with encoder.py's pattern.
  it.each([
    [
      "Hello  world\n\n it's 3.5km — Ünïcödé\u00a0x\ufeffy\x1cz \u3000end  ",
      ['Hello', ' ', ' world', '\n\n', ' it', "'s", ' 3', '.', '5', 'km', ' —', ' Ünïcödé', '\xa0', 'x', '\ufeff', 'y', '\x1c', 'z', ' ', '\u3000', 'end', '  '],
    ],
    ["I'M don't 12,000\t\tok", ['I', "'", 'M', ' don', "'t", ' 12', ',', '000', '\t', '\t', 'ok']],
  ])('splits %j as encoder.py does', (text, pieces) => {
    expect([...text.matchAll(GPT2_SPLIT_PATTERN)].map((m) => m[0])).toEqual(pieces);
  });
});

describe('ByteLevelBpe', () => {
  it('merges by rank and maps pieces to ids', () => {
    const t = tinyTokenizer();
    expect(t.tokenize('hello world')).toEqual(['hello', 'Ġw', 'o', 'r', 'l', 'd']);
    expect(t.encode('hello')).toEqual([259]);
    expect(t.vocabSize).toBe(262);
  });

  it('round-trips arbitrary Unicode through bytes', () => {
    const t = tinyTokenizer();
    for (const s of ['héllo wörld 🙂\n\n', '  leading and trailing  ', '数字 123', '']) expect(t.decode(t.encode(s))).toBe(s);
  });

  it('treats <|endoftext|> as text unless it is a special token', () => {
    expect(tinyTokenizer().encode('a<|endoftext|>').length).toBeGreaterThan(2);
    const t = tinyTokenizer(['<|endoftext|>']);
    expect(t.encode('hello<|endoftext|>hello')).toEqual([259, 261, 259]);
    expect(t.decode([259, 261])).toBe('hello<|endoftext|>');
  });

  it('replaces invalid UTF-8 with U+FFFD on decode', () => {
    const t = tinyTokenizer();
    const byteId = (b: number) => t.tokenToId(bytesToUnicode()[b]) as number;
    expect(t.decode([byteId(0xe2), byteId(0x41)])).toBe('\ufffdA');
  });

  it('names the file and line of a malformed merge', () => {
    expect(() => parseMerges('#version: 0.2\na b\nc\n', 'x/vocab.bpe')).toThrow('x/vocab.bpe:3: expected two symbols');
  });

  it('rejects a vocabulary without the byte symbols', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpe-'));
    writeFileSync(join(dir, 'encoder.json'), JSON.stringify({ a: 0 }));
    writeFileSync(join(dir, 'vocab.bpe'), '#version: 0.2\n');
    expect(() => ByteLevelBpe.fromFolder(dir)).toThrow(/encoder\.json: vocabulary lacks the byte symbol/);
    expect(() => ByteLevelBpe.fromFolder(tmpdir() + '/no-such-dir')).toThrow(/no GPT-2 tokenizer files/);
  });

  it('throws on an id outside the vocabulary', () => {
    expect(() => tinyTokenizer().decode([999])).toThrow(/not in the vocabulary/);
  });
});

// Reference §2.2 vectors; needs the GPT-2 BPE files under ../shared/data/gpt2 (skipped when absent).
const GPT2_DIR = new URL('../../../../shared/data/gpt2', import.meta.url).pathname;
const HAVE_GPT2 = existsSync(join(GPT2_DIR, 'encoder.json'));

describe.skipIf(!HAVE_GPT2)('GPT-2 vocabulary (../shared/data/gpt2)', () => {
  const fromFiles = () => ByteLevelBpe.fromFiles(join(GPT2_DIR, 'encoder.json'), join(GPT2_DIR, 'vocab.bpe'));

  it('encodes E2E test[0] and DART dev[0] to the reference ids', () => {
    const t = fromFiles();
    expect(t.vocabSize).toBe(50257);
    expect(t.encode('name : Blue Spice | Type : coffee shop | area : city centre')).toEqual([
      3672, 1058, 4518, 43537, 930, 5994, 1058, 6891, 6128, 930, 1989, 1058, 1748, 7372,
    ]);
    expect(t.encode(' A coffee shop in the city centre area called Blue Spice .')).toEqual([
      317, 6891, 6128, 287, 262, 1748, 7372, 1989, 1444, 4518, 43537, 764,
    ]);
    expect(t.encode('Mars Hill College : joined : 1973 | Mars Hill College : location : Mars Hill, North Carolina')).toEqual([
      43725, 3327, 5535, 1058, 5399, 1058, 15674, 930, 8706, 3327, 5535, 1058, 4067, 1058, 8706, 3327, 11, 2258, 5913,
    ]);
    expect(t.tokenToId('<|endoftext|>')).toBe(50256);
    expect(t.decode([628])).toBe('\n\n');
    expect(t.decode([0])).toBe('!');
  });

  it('reads the same model from tokenizer.json', () => {
    const a = fromFiles();
    const b = ByteLevelBpe.fromTokenizerJson(join(GPT2_DIR, 'tokenizer.json'));
    const text = 'The Eagle is a low-priced Japanese food place — £20-25, 5 out of 5!';
    expect(b.encode(text)).toEqual(a.encode(text));
  });
});
