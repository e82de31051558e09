import { existsSync, readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ByteLevelBpe } from './byte-level-bpe.js';
import { bpeTokenizer, formatEncoderJson, formatMerges, trainByteLevelBpe } from './bpe-train.js';
import { HfTokenizer } from './hf-tokenizer.js';

const CORPUS = [
  'name : The Eagle | eatType : coffee shop | food : Japanese',
  'The Eagle is a coffee shop that serves Japanese food .',
  'name : The Mill | eatType : pub | area : riverside',
  'The Mill is a pub by the riverside .',
];

/** A tokenizer.json in the layout HF writes for GPT-2, around a trained model. */
function tokenizerJson(vocab: Map<string, number>, merges: Array<[string, string]>) {
  return {
    version: '1.0',
    added_tokens: [{ id: vocab.get('<|endoftext|>'), content: '<|endoftext|>', special: true, single_word: false, lstrip: false, rstrip: false, normalized: true }],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true },
    post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, vocab: Object.fromEntries(vocab), merges: merges.map(([a, b]) => `${a} ${b}`) },
  };
}

describe('trainByteLevelBpe', () => {
  const model = trainByteLevelBpe(CORPUS, { vocabSize: 300, specialTokens: ['<|endoftext|>'] });

  it('learns frequent pieces first and puts specials last', () => {
    expect(model.merges[0]).toEqual(['Ġ', ':']);
    expect(model.vocab.get('<|endoftext|>')).toBe(model.vocab.size - 1);
    expect(model.vocab.size).toBeLessThanOrEqual(300);
    expect(bpeTokenizer(model).tokenize(' : Eagle')).toEqual(['Ġ:', 'Ġ', 'Eagle']);
  });

  it('is deterministic', () => {
    const again = trainByteLevelBpe(CORPUS, { vocabSize: 300, specialTokens: ['<|endoftext|>'] });
    expect(again.merges).toEqual(model.merges);
  });

  it('writes encoder.json and vocab.bpe that load back to the same tokenizer', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpe-train-'));
    writeFileSync(join(dir, 'encoder.json'), formatEncoderJson(model));
    writeFileSync(join(dir, 'vocab.bpe'), formatMerges(model));
    const loaded = ByteLevelBpe.fromFolder(dir);
    for (const text of [...CORPUS, 'unseen words: Zürich 42']) expect(loaded.encode(text)).toEqual(bpeTokenizer(model).encode(text));
  });

  it('gives the same ids through @huggingface/tokenizers', () => {
    const hf = HfTokenizer.fromJson(tokenizerJson(model.vocab, model.merges));
    const ours = bpeTokenizer(model);
    for (const text of [...CORPUS, ' The  Eagle\n\nis 5 out of 5!', 'Ünïcödé 🙂']) {
      expect(hf.encode(text)).toEqual(ours.encode(text));
      expect(hf.decode(hf.encode(text))).toBe(text);
    }
    expect(hf.vocabSize).toBe(ours.vocabSize);
  });

  it('refuses a vocabulary smaller than the byte alphabet', () => {
    expect(() => trainByteLevelBpe(CORPUS, { vocabSize: 100 })).toThrow(/below 256/);
  });
});

const GPT2_DIR = new URL('../../../../shared/data/gpt2', import.meta.url).pathname;
const E2E_TEST = new URL('../../../../shared/data/e2e/test.txt', import.meta.url).pathname;

describe.skipIf(!existsSync(join(GPT2_DIR, 'tokenizer.json')) || !existsSync(E2E_TEST))('HF GPT-2 tokenizer.json (../shared/data)', () => {
  it('matches the pure implementation on E2E test lines and treats <|endoftext|> as special', () => {
    const hf = HfTokenizer.fromFile(join(GPT2_DIR, 'tokenizer.json'));
    const pure = ByteLevelBpe.fromFiles(join(GPT2_DIR, 'encoder.json'), join(GPT2_DIR, 'vocab.bpe'));
    const lines = readFileSync(E2E_TEST, 'utf8').split('\n').slice(0, 300).filter(Boolean);
    for (const line of lines) {
      const [mr, text] = line.trim().split('||');
      expect(hf.encode(mr)).toEqual(pure.encode(mr));
      expect(hf.encode(` ${text}`)).toEqual(pure.encode(` ${text}`));
    }
    expect(hf.encode('a<|endoftext|>')).toEqual([64, 50256]);
    expect(hf.vocabSize).toBe(50257);
  });
});
