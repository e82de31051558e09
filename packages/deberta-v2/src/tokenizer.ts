// DeBERTa-v2's tokenizer: SentencePiece unigram from spm.model (the paper-era slow tokenizer) or the tokenizer.json
// transformers converts it to, with `[CLS] A [SEP] B [SEP]` inputs (token types 0 then 1).

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  SentencePieceProcessor,
  UnigramTokenizer,
  encodePair,
  type EncodedInput,
  type PairTemplate,
  type PieceTokenizer,
  type TruncationStrategy,
} from '@lorats/tokenizers';

/** Text to model inputs for DeBERTa-v2. */
export class DebertaV2Tokenizer {
  readonly clsId: number;
  readonly sepId: number;
  readonly padId: number;
  private readonly template: PairTemplate;

  constructor(
    readonly pieces: PieceTokenizer,
    source = 'tokenizer',
  ) {
    const id = (t: string) => {
      const v = pieces.tokenToId(t);
      if (v === undefined) throw new Error(`${source}: no ${t} token`);
      return v;
    };
    this.clsId = id('[CLS]');
    this.sepId = id('[SEP]');
    this.padId = id('[PAD]');
    this.template = { start: [this.clsId], middle: [this.sepId], end: [this.sepId], secondType: 1 };
  }

  /** Reads `spm.model` from a model folder, else its `tokenizer.json`. */
  static fromFolder(folder: string): DebertaV2Tokenizer {
    const spm = join(folder, 'spm.model');
    if (existsSync(spm)) return new DebertaV2Tokenizer(new SentencePieceProcessor(readFileSync(spm), spm), spm);
    const json = join(folder, 'tokenizer.json');
    if (existsSync(json)) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(readFileSync(json, 'utf8'));
      } catch (e) {
        throw new Error(`${json}: not valid JSON (${(e as Error).message})`);
      }
      return new DebertaV2Tokenizer(new UnigramTokenizer(parsed, json), json);
    }
    throw new Error(`${folder}: no spm.model or tokenizer.json`);
  }

  get vocabSize(): number {
    return this.pieces.vocabSize;
  }

  /** Ids of `text` without special tokens. */
  encode(text: string): number[] {
    return this.pieces.encode(text);
  }

  /** `[CLS] a [SEP]` or `[CLS] a [SEP] b [SEP]`, truncated to `maxLength` (HF's longest_first by default). */
  encodeInput(a: string, b?: string, options: { maxLength?: number; truncation?: TruncationStrategy } = {}): EncodedInput {
    return encodePair(this.encode(a), b === undefined ? undefined : this.encode(b), this.template, options);
  }
}
