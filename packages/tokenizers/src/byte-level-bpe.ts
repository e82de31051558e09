// GPT-2 byte-level BPE (Radford et al. 2019), written from OpenAI's encoder.py as microsoft/LoRA
// examples/NLG/src/encoder.py vendors it: UTF-8 bytes are mapped to printable characters, the text is split by
// one regular expression, and each piece is merged by rank. RoBERTa uses the same tokenizer with other specials.
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TextTokenizer } from './tokenizer.js';

/**
 * GPT-2's pre-tokenizer pattern. `\s` is written as `\p{White_Space}`, the class Python's `regex` module uses, so
 * the split matches encoder.py on every input (JavaScript's `\s` differs on U+FEFF).
 */
export const GPT2_SPLIT_PATTERN =
  /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\p{White_Space}\p{L}\p{N}]+|\p{White_Space}+(?!\P{White_Space})|\p{White_Space}+/gu;

/**
 * The reversible byte → character table: printable Latin-1 bytes map to themselves, the other 68 bytes to
 * U+0100 onwards. Index = byte; the order of `bytesToUnicodeOrder()` is GPT-2's id order for the 256 base symbols.
 */
export function bytesToUnicode(): string[] {
  const table = new Array<string>(256);
  for (const [byte, ch] of byteOrder()) table[byte] = ch;
  return table;
}

/** The 256 (byte, character) pairs in GPT-2's order: printable bytes first, then the remapped ones. */
export function bytesToUnicodeOrder(): Array<[number, string]> {
  return byteOrder();
}

function byteOrder(): Array<[number, string]> {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const pairs: Array<[number, string]> = printable.map((b) => [b, String.fromCharCode(b)]);
  const isPrintable = new Set(printable);
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!isPrintable.has(b)) pairs.push([b, String.fromCharCode(256 + n++)]);
  }
  return pairs;
}

export interface ByteLevelBpeOptions {
  /**
   * Strings matched whole before the regex split and mapped to their ids (HF `added_tokens`). Empty by default, as
   * encoder.py: there `<|endoftext|>` in text is ordinary text.
   */
  specialTokens?: readonly string[];
}

/** A byte-level BPE tokenizer built from a vocabulary (token → id) and an ordered merge list. */
export class ByteLevelBpe implements TextTokenizer {
  readonly vocabSize: number;
  private readonly encoder: Map<string, number>;
  private readonly decoder: Map<number, string>;
  private readonly ranks: Map<string, number>;
  private readonly byteEncoder = bytesToUnicode();
  private readonly byteDecoder: Map<string, number>;
  private readonly cache = new Map<string, number[]>();
  private readonly specials: Map<string, number>;
  private readonly specialPattern: RegExp | undefined;
  private readonly utf8 = new TextEncoder();

  constructor(
    vocab: ReadonlyMap<string, number> | Readonly<Record<string, number>>,
    merges: ReadonlyArray<readonly [string, string]>,
    options: ByteLevelBpeOptions = {},
  ) {
    this.encoder = new Map(vocab instanceof Map ? vocab : Object.entries(vocab));
    this.decoder = new Map();
    for (const [token, id] of this.encoder) {
      if (!Number.isInteger(id) || id < 0) throw new Error(`vocabulary: token ${JSON.stringify(token)} has invalid id ${id}`);
      this.decoder.set(id, token);
    }
    this.vocabSize = Math.max(-1, ...this.decoder.keys()) + 1;
    this.ranks = new Map(merges.map(([a, b], i) => [`${a} ${b}`, i]));
    this.byteDecoder = new Map(this.byteEncoder.map((ch, b) => [ch, b]));
    for (const ch of this.byteEncoder) {
      if (!this.encoder.has(ch)) throw new Error(`vocabulary lacks the byte symbol ${JSON.stringify(ch)}`);
    }
    this.specials = new Map();
    for (const s of options.specialTokens ?? []) {
      const id = this.encoder.get(s);
      if (id === undefined) throw new Error(`special token ${JSON.stringify(s)} is not in the vocabulary`);
      this.specials.set(s, id);
    }
    this.specialPattern =
      this.specials.size > 0
        ? new RegExp(`(${[...this.specials.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|')})`, 'u')
        : undefined;
  }

  /**
   * Reads a tokenizer from a folder: `encoder.json` (or `vocab.json`) with `vocab.bpe` (or `merges.txt`), else the
   * model of an HF `tokenizer.json`.
   */
  static fromFolder(dir: string, options: ByteLevelBpeOptions = {}): ByteLevelBpe {
    const vocabFile = ['encoder.json', 'vocab.json'].map((f) => join(dir, f)).find(existsSync);
    const mergesFile = ['vocab.bpe', 'merges.txt'].map((f) => join(dir, f)).find(existsSync);
    if (vocabFile && mergesFile) return ByteLevelBpe.fromFiles(vocabFile, mergesFile, options);
    const tokenizerJson = join(dir, 'tokenizer.json');
    if (existsSync(tokenizerJson)) return ByteLevelBpe.fromTokenizerJson(tokenizerJson, options);
    throw new Error(`${dir}: no GPT-2 tokenizer files (encoder.json/vocab.json + vocab.bpe/merges.txt, or tokenizer.json)`);
  }

  /** Reads `encoder.json` (token → id) and `vocab.bpe` (a `#version` line, then one merge per line). */
  static fromFiles(vocabFile: string, mergesFile: string, options: ByteLevelBpeOptions = {}): ByteLevelBpe {
    const vocab = parseVocabJson(readFileSync(vocabFile, 'utf8'), vocabFile);
    const merges = parseMerges(readFileSync(mergesFile, 'utf8'), mergesFile);
    return withFile(vocabFile, () => new ByteLevelBpe(vocab, merges, options));
  }

  /** Reads the BPE model of an HF `tokenizer.json` (merges as `"a b"` strings or `[a, b]` pairs). */
  static fromTokenizerJson(file: string, options: ByteLevelBpeOptions = {}): ByteLevelBpe {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
    }
    if (!isRecord(json)) throw new Error(`${file}: expected a JSON object`);
    const model = json.model;
    if (!isRecord(model) || model.type !== undefined && model.type !== 'BPE' || !isRecord(model.vocab) || !Array.isArray(model.merges)) {
      throw new Error(`${file}: expected a BPE "model" with "vocab" and "merges"`);
    }
    const vocab = parseVocabObject(model.vocab, file);
    const merges = model.merges.map((m, i): [string, string] => {
      const pair = typeof m === 'string' ? m.split(' ') : m;
      if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') {
        throw new Error(`${file}: merge ${i} is malformed (${JSON.stringify(m)})`);
      }
      return [pair[0], pair[1]];
    });
    if (Array.isArray(json.added_tokens)) {
      for (const t of json.added_tokens) {
        if (isRecord(t) && typeof t.content === 'string' && typeof t.id === 'number') vocab.set(t.content, t.id);
      }
    }
    return withFile(file, () => new ByteLevelBpe(vocab, merges, options));
  }

  /** Token ids of `text` (no special tokens added). */
  encode(text: string): number[] {
    const ids: number[] = [];
    if (!this.specialPattern) {
      this.encodeOrdinary(text, ids);
      return ids;
    }
    for (const [i, part] of text.split(this.specialPattern).entries()) {
      if (i % 2 === 1) ids.push(this.specials.get(part) as number);
      else if (part) this.encodeOrdinary(part, ids);
    }
    return ids;
  }

  /** The token strings of `text` in the byte-level alphabet (e.g. `Ġcoffee`). */
  tokenize(text: string): string[] {
    return this.encode(text).map((id) => this.decoder.get(id) as string);
  }

  /** Text of `ids`; invalid UTF-8 becomes U+FFFD, as encoder.py's `errors='replace'`. */
  decode(ids: readonly number[]): string {
    const bytes: number[] = [];
    for (const id of ids) {
      const token = this.decoder.get(id);
      if (token === undefined) throw new Error(`decode: token id ${id} is not in the vocabulary (size ${this.vocabSize})`);
      if (this.specials.has(token)) {
        for (const b of this.utf8.encode(token)) bytes.push(b);
        continue;
      }
      for (const ch of token) {
        const b = this.byteDecoder.get(ch);
        if (b === undefined) {
          for (const x of this.utf8.encode(ch)) bytes.push(x);
        } else bytes.push(b);
      }
    }
    return new TextDecoder('utf-8').decode(Uint8Array.from(bytes));
  }

  tokenToId(token: string): number | undefined {
    return this.encoder.get(token);
  }

  idToToken(id: number): string | undefined {
    return this.decoder.get(id);
  }

  private encodeOrdinary(text: string, out: number[]): void {
    for (const match of text.matchAll(GPT2_SPLIT_PATTERN)) {
      const piece = match[0];
      let ids = this.cache.get(piece);
      if (!ids) {
        let mapped = '';
        for (const b of this.utf8.encode(piece)) mapped += this.byteEncoder[b];
        ids = this.bpe(mapped).map((symbol) => {
          const id = this.encoder.get(symbol);
          if (id === undefined) throw new Error(`BPE symbol ${JSON.stringify(symbol)} is not in the vocabulary`);
          return id;
        });
        if (this.cache.size < 100_000) this.cache.set(piece, ids);
      }
      for (const id of ids) out.push(id);
    }
  }

  /** Merges the symbols of one piece, lowest rank first, until no ranked pair is left. */
  private bpe(piece: string): string[] {
    let word = [...piece];
    while (word.length > 1) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i < word.length - 1; i++) {
        const rank = this.ranks.get(`${word[i]} ${word[i + 1]}`);
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank;
          best = i;
        }
      }
      if (best < 0) break;
      const first = word[best];
      const second = word[best + 1];
      // Merge every non-overlapping occurrence of the pair, left to right (encoder.py's inner loop).
      const next: string[] = [];
      for (let i = 0; i < word.length; ) {
        if (i < word.length - 1 && word[i] === first && word[i + 1] === second) {
          next.push(first + second);
          i += 2;
        } else next.push(word[i++]);
      }
      word = next;
    }
    return word;
  }
}

/** Parses a `vocab.bpe` / `merges.txt` body: an optional `#version` line, then `a b` per line. */
export function parseMerges(text: string, file = 'merges'): Array<[string, string]> {
  const lines = text.split('\n');
  const merges: Array<[string, string]> = [];
  lines.forEach((line, i) => {
    if (i === 0 && line.startsWith('#version')) return;
    if (line.trim() === '') return;
    const parts = line.split(/\s+/).filter(Boolean);
    if (parts.length !== 2) throw new Error(`${file}:${i + 1}: expected two symbols, got ${JSON.stringify(line)}`);
    merges.push([parts[0], parts[1]]);
  });
  return merges;
}

function parseVocabJson(text: string, file: string): Map<string, number> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
  if (!isRecord(json)) throw new Error(`${file}: expected an object mapping tokens to ids`);
  return parseVocabObject(json, file);
}

function parseVocabObject(obj: Record<string, unknown>, file: string): Map<string, number> {
  const vocab = new Map<string, number>();
  for (const [token, id] of Object.entries(obj)) {
    if (typeof id !== 'number') throw new Error(`${file}: token ${JSON.stringify(token)} has a non-numeric id`);
    vocab.set(token, id);
  }
  return vocab;
}

function withFile<T>(file: string, make: () => T): T {
  try {
    return make();
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
