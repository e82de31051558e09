// HF `tokenizer.json` files whose model is `Unigram` (what transformers' SentencePiece converters write: DeBERTa-v2,
// ALBERT, T5, XLNet, …): the normalizer and pre-tokenizer pipeline of HF tokenizers, then the unigram model.

import { PrecompiledCharsmap, applyPrecompiled } from './sentencepiece-normalizer.js';
import type { PieceTokenizer } from './sentencepiece.js';
import { UnigramModel, type Token } from './sentencepiece-unigram.js';

/** A token of `added_tokens`: matched in the raw text before normalization. */
export interface AddedToken {
  id: number;
  content: string;
  special: boolean;
  lstrip: boolean;
  rstrip: boolean;
}

type Normalizer = (text: string) => string;
type PreTokenizer = (pieces: string[]) => string[];

/** A Unigram tokenizer built from a parsed `tokenizer.json`; `source` names the file in errors. */
export class UnigramTokenizer implements PieceTokenizer {
  readonly addedTokens: AddedToken[];
  private readonly normalizer: Normalizer;
  private readonly preTokenizer: PreTokenizer;
  private readonly unigram: UnigramModel;
  private readonly vocab: string[];
  private readonly ids = new Map<string, number>();
  private readonly metaspace: string | undefined;

  constructor(json: unknown, source = 'tokenizer.json') {
    const root = asObject(json, source, 'the file');
    const model = asObject(root.model, source, 'model');
    if (model.type !== 'Unigram') throw new Error(`${source}: model type ${String(model.type)} is not Unigram`);
    if (!Array.isArray(model.vocab)) throw new Error(`${source}: model.vocab is not an array`);
    this.vocab = model.vocab.map((entry: unknown, i: number) => {
      if (!Array.isArray(entry) || typeof entry[0] !== 'string' || typeof entry[1] !== 'number') {
        throw new Error(`${source}: model.vocab[${i}] is not a [piece, score] pair`);
      }
      return entry[0];
    });
    this.vocab.forEach((p, i) => {
      if (!this.ids.has(p)) this.ids.set(p, i);
    });
    const unkId = typeof model.unk_id === 'number' ? model.unk_id : -1;
    if (unkId < 0) throw new Error(`${source}: model.unk_id is missing`);
    this.unigram = new UnigramModel(
      (model.vocab as [string, number][]).map(([piece, score]) => ({ piece, score, kind: 'normal' as const })),
      { unkId, byteFallback: model.byte_fallback === true },
    );
    this.normalizer = buildNormalizer(root.normalizer, source);
    const pre = buildPreTokenizer(root.pre_tokenizer, source);
    this.preTokenizer = pre.run;
    this.metaspace = pre.metaspace;
    this.addedTokens = (Array.isArray(root.added_tokens) ? root.added_tokens : []).map((t: unknown, i: number) => {
      const o = asObject(t, source, `added_tokens[${i}]`);
      if (typeof o.id !== 'number' || typeof o.content !== 'string') {
        throw new Error(`${source}: added_tokens[${i}] needs an id and a content`);
      }
      return { id: o.id, content: o.content, special: o.special === true, lstrip: o.lstrip === true, rstrip: o.rstrip === true };
    });
    for (const t of this.addedTokens) {
      this.vocab[t.id] ??= t.content;
      if (!this.ids.has(t.content)) this.ids.set(t.content, t.id);
    }
  }

  get vocabSize(): number {
    return this.vocab.length;
  }

  /** Text after the normalizer and pre-tokenizer: the words the unigram model segments one by one. */
  preTokenize(text: string): string[] {
    return this.preTokenizer([this.normalizer(text)]);
  }

  encodePieces(text: string): Token[] {
    const out: Token[] = [];
    for (const part of splitAddedTokens(text, this.addedTokens)) {
      if (typeof part !== 'string') out.push({ id: part.id, piece: part.content });
      else for (const word of this.preTokenize(part)) out.push(...this.unigram.encode(word));
    }
    return out;
  }

  encode(text: string): number[] {
    return this.encodePieces(text).map((t) => t.id);
  }

  decode(ids: readonly number[]): string {
    const special = new Set(this.addedTokens.filter((t) => t.special).map((t) => t.id));
    const bytes: number[] = [];
    const enc = new TextEncoder();
    for (const id of ids) {
      const piece = this.vocab[id];
      if (piece === undefined) throw new Error(`decode: id ${id} is outside the ${this.vocab.length}-token vocabulary`);
      if (special.has(id)) continue;
      const byte = /^<0x([0-9A-F]{2})>$/.exec(piece);
      if (byte) bytes.push(parseInt(byte[1], 16));
      else bytes.push(...enc.encode(piece));
    }
    let text = new TextDecoder().decode(Uint8Array.from(bytes));
    if (this.metaspace !== undefined) {
      text = text.replaceAll(this.metaspace, ' ');
      if (text.startsWith(' ')) text = text.slice(1);
    }
    return text;
  }

  tokenToId(token: string): number | undefined {
    return this.ids.get(token);
  }

  idToToken(id: number): string | undefined {
    return this.vocab[id];
  }
}

/**
 * Splits raw text around added tokens (longest match first, leftmost first), honouring `lstrip`/`rstrip`
 * (the token also swallows the whitespace on that side). Strings are the text between tokens.
 */
export function splitAddedTokens(text: string, tokens: readonly AddedToken[]): (string | AddedToken)[] {
  if (tokens.length === 0 || text === '') return text === '' ? [] : [text];
  const sorted = [...tokens].sort((a, b) => b.content.length - a.content.length);
  const out: (string | AddedToken)[] = [];
  let start = 0;
  let pos = 0;
  while (pos < text.length) {
    const t = sorted.find((c) => c.content.length > 0 && text.startsWith(c.content, pos));
    if (!t) {
      pos++;
      continue;
    }
    let before = pos;
    if (t.lstrip) while (before > start && /\s/u.test(text[before - 1])) before--;
    let after = pos + t.content.length;
    if (t.rstrip) while (after < text.length && /\s/u.test(text[after])) after++;
    if (before > start) out.push(text.slice(start, before));
    out.push(t);
    start = after;
    pos = after;
  }
  if (start < text.length) out.push(text.slice(start));
  return out;
}

function asObject(v: unknown, source: string, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`${source}: ${what} is not an object`);
  return v as Record<string, unknown>;
}

function buildNormalizer(spec: unknown, source: string): Normalizer {
  if (spec === null || spec === undefined) return (s) => s;
  const o = asObject(spec, source, 'normalizer');
  switch (o.type) {
    case 'Sequence': {
      const steps = (Array.isArray(o.normalizers) ? o.normalizers : []).map((n: unknown) => buildNormalizer(n, source));
      return (s) => steps.reduce((acc: string, f: Normalizer) => f(acc), s);
    }
    case 'Lowercase':
      return (s) => s.toLowerCase();
    case 'Strip': {
      const left = o.strip_left !== false;
      const right = o.strip_right !== false;
      return (s) => (left && right ? s.trim() : left ? s.trimStart() : right ? s.trimEnd() : s);
    }
    case 'NFC':
    case 'NFD':
    case 'NFKC':
    case 'NFKD': {
      const form = o.type;
      return (s) => s.normalize(form);
    }
    case 'StripAccents':
      return (s) => s.replace(/\p{Mn}/gu, '');
    case 'Prepend': {
      const p = String(o.prepend ?? '');
      return (s) => (s === '' ? s : p + s);
    }
    case 'Replace': {
      const pattern = asObject(o.pattern, source, 'Replace.pattern');
      const content = String(o.content ?? '');
      if (typeof pattern.String === 'string') {
        const from = pattern.String;
        return (s) => s.replaceAll(from, content);
      }
      if (typeof pattern.Regex === 'string') {
        const re = new RegExp(pattern.Regex, 'gu');
        return (s) => s.replace(re, () => content);
      }
      throw new Error(`${source}: Replace.pattern needs String or Regex`);
    }
    case 'Precompiled': {
      if (typeof o.precompiled_charsmap !== 'string' || o.precompiled_charsmap === '') return (s) => s;
      const map = new PrecompiledCharsmap(Buffer.from(o.precompiled_charsmap, 'base64'), `${source}: precompiled_charsmap`);
      return (s) => applyPrecompiled(map, s);
    }
    default:
      throw new Error(`${source}: normalizer type ${String(o.type)} is not supported`);
  }
}

const PUNCTUATION = /[\p{P}!-/:-@[-`{-~]/u;

function buildPreTokenizer(spec: unknown, source: string): { run: PreTokenizer; metaspace?: string } {
  if (spec === null || spec === undefined) return { run: (p) => p };
  const o = asObject(spec, source, 'pre_tokenizer');
  switch (o.type) {
    case 'Sequence': {
      const steps = (Array.isArray(o.pretokenizers) ? o.pretokenizers : []).map((n: unknown) => buildPreTokenizer(n, source));
      return {
        run: (p) => steps.reduce((acc: string[], f: { run: PreTokenizer }) => f.run(acc), p),
        metaspace: steps.find((s: { metaspace?: string }) => s.metaspace !== undefined)?.metaspace,
      };
    }
    case 'Metaspace': {
      const rep = typeof o.replacement === 'string' ? o.replacement : '\u2581';
      const scheme =
        typeof o.prepend_scheme === 'string' ? o.prepend_scheme : o.add_prefix_space === false ? 'never' : 'always';
      const split = o.split !== false;
      return {
        metaspace: rep,
        run: (pieces) =>
          pieces.flatMap((piece, i) => {
            let s = piece.replaceAll(' ', rep);
            const prepend = scheme === 'always' || (scheme === 'first' && i === 0);
            if (prepend && !s.startsWith(rep)) s = rep + s;
            if (!split) return [s];
            const words: string[] = [];
            let begin = 0;
            for (let k = rep.length; k <= s.length; k++) {
              if (k === s.length || s.startsWith(rep, k)) {
                if (k > begin) words.push(s.slice(begin, k));
                begin = k;
              }
            }
            return words;
          }),
      };
    }
    case 'WhitespaceSplit':
      return { run: (pieces) => pieces.flatMap((p) => p.split(/\s+/u).filter((w) => w !== '')) };
    case 'Punctuation': {
      if (o.behavior !== undefined && o.behavior !== 'Isolated') {
        throw new Error(`${source}: Punctuation behavior ${String(o.behavior)} is not supported (only Isolated)`);
      }
      return {
        run: (pieces) =>
          pieces.flatMap((p) => {
            const out: string[] = [];
            let word = '';
            for (const ch of p) {
              if (PUNCTUATION.test(ch)) {
                if (word) out.push(word);
                out.push(ch);
                word = '';
              } else word += ch;
            }
            if (word) out.push(word);
            return out;
          }),
      };
    }
    default:
      throw new Error(`${source}: pre_tokenizer type ${String(o.type)} is not supported`);
  }
}
