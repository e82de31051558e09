// A SentencePiece processor for unigram `.model` files, as google/sentencepiece's `SentencePieceProcessor`
// (normalize, Viterbi-segment, fuse unknowns, optional byte fallback). DeBERTa-v2/v3, ALBERT, T5 and XLNet ship such
// files.

import { parseSentencePieceModel, type SentencePieceModel } from './sentencepiece-model.js';
import { prefixMatcher, SentencePieceNormalizer, SPACE_SYMBOL } from './sentencepiece-normalizer.js';
import { UnigramModel, type Token, type UnigramPieceKind } from './sentencepiece-unigram.js';
import type { TextTokenizer } from './tokenizer.js';

/** A `TextTokenizer` that also reports the piece each id covers. */
export interface PieceTokenizer extends TextTokenizer {
  /** Tokens (id and piece) of `text`, with no special tokens added. */
  encodePieces(text: string): Token[];
}

/** A unigram SentencePiece model, read from the bytes of an `spm.model` file. */
export class SentencePieceProcessor implements PieceTokenizer {
  readonly model: SentencePieceModel;
  private readonly normalizer: SentencePieceNormalizer;
  private readonly unigram: UnigramModel;
  private readonly ids = new Map<string, number>();

  /** `source` names the file in errors. */
  constructor(bytes: Uint8Array, source = 'spm.model') {
    this.model = parseSentencePieceModel(bytes, source);
    const { pieces, trainer, normalizer } = this.model;
    if (trainer.modelType !== 'unigram') {
      throw new Error(`${source}: model type ${trainer.modelType} is not supported (only unigram)`);
    }
    const unk = pieces.findIndex((p) => p.type === 'unknown');
    if (unk < 0) throw new Error(`${source}: the model has no unknown piece`);
    pieces.forEach((p, i) => {
      if (!this.ids.has(p.piece)) this.ids.set(p.piece, i);
    });
    const kind = (t: string): UnigramPieceKind =>
      t === 'normal' ? 'normal' : t === 'userDefined' ? 'userDefined' : t === 'unused' ? 'unused' : 'reserved';
    this.unigram = new UnigramModel(
      pieces.map((p) => ({ piece: p.piece, score: p.score, kind: kind(p.type) })),
      { unkId: unk, byteFallback: trainer.byteFallback, float32Scores: true },
    );
    const userDefined = pieces.filter((p) => p.type === 'userDefined').map((p) => p.piece);
    this.normalizer = new SentencePieceNormalizer(normalizer, {
      treatWhitespaceAsSuffix: trainer.treatWhitespaceAsSuffix,
      userDefined: userDefined.length > 0 ? prefixMatcher(userDefined) : undefined,
    });
  }

  get vocabSize(): number {
    return this.model.pieces.length;
  }

  /** The normalized text SentencePiece segments (spaces shown as ▁). */
  normalize(text: string): string {
    return this.normalizer.normalize(text);
  }

  encodePieces(text: string): Token[] {
    return this.unigram.encode(this.normalize(text));
  }

  encode(text: string): number[] {
    return this.encodePieces(text).map((t) => t.id);
  }

  decode(ids: readonly number[]): string {
    const { pieces, normalizer } = this.model;
    const bytes: number[] = [];
    const enc = new TextEncoder();
    for (const id of ids) {
      const p = pieces[id];
      if (!p) throw new Error(`decode: id ${id} is outside the ${pieces.length}-piece vocabulary`);
      if (p.type === 'control') continue;
      if (p.type === 'byte') {
        bytes.push(parseInt(p.piece.slice(3, 5), 16));
        continue;
      }
      const surface = p.type === 'unknown' ? ' \u2047 ' : p.piece.replaceAll(SPACE_SYMBOL, ' ');
      bytes.push(...enc.encode(surface));
    }
    let text = new TextDecoder().decode(Uint8Array.from(bytes));
    if (normalizer.addDummyPrefix && text.startsWith(' ')) text = text.slice(1);
    return text;
  }

  tokenToId(token: string): number | undefined {
    return this.ids.get(token);
  }

  idToToken(id: number): string | undefined {
    return this.model.pieces[id]?.piece;
  }
}
