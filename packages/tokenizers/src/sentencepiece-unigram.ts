// The unigram language model's Viterbi segmentation (google/sentencepiece unigram_model.cc `EncodeOptimized`;
// HF tokenizers `Unigram::encode_optimized` is the same algorithm).

/** How a vocabulary entry takes part in segmentation. */
export type UnigramPieceKind = 'normal' | 'userDefined' | 'unused' | 'reserved';

export interface UnigramPiece {
  piece: string;
  score: number;
  kind: UnigramPieceKind;
}

export interface UnigramOptions {
  unkId: number;
  /** Unknown characters become `<0xXX>` byte pieces instead of `unkId`. */
  byteFallback?: boolean;
  /** Sum path scores in float32 as the C++ library does (HF tokenizers uses float64). */
  float32Scores?: boolean;
}

/** An encoded token: vocabulary id and the normalized text it covers. */
export interface Token {
  id: number;
  piece: string;
}

/** Penalty below the lowest piece score for an unknown character (`kUnkPenalty`). */
const UNK_PENALTY = 10;

interface TrieNode {
  children: Map<number, TrieNode>;
  id: number;
}

/** A unigram segmentation model over a fixed vocabulary. */
export class UnigramModel {
  private readonly root: TrieNode = { children: new Map(), id: -1 };
  private readonly minScore: number;
  private readonly maxScore: number;
  private readonly byteIds = new Map<number, number>();

  constructor(
    readonly pieces: readonly UnigramPiece[],
    private readonly options: UnigramOptions,
  ) {
    if (options.unkId < 0 || options.unkId >= pieces.length) {
      throw new Error(`unigram model: unk id ${options.unkId} is outside the ${pieces.length}-piece vocabulary`);
    }
    let min = Infinity;
    let max = -Infinity;
    pieces.forEach((p, id) => {
      if (p.kind === 'normal') {
        min = Math.min(min, p.score);
        max = Math.max(max, p.score);
      }
      if (p.kind !== 'reserved') this.insert(p.piece, id);
      const byte = /^<0x([0-9A-F]{2})>$/.exec(p.piece);
      if (byte) this.byteIds.set(parseInt(byte[1], 16), id);
    });
    this.minScore = Number.isFinite(min) ? min : 0;
    this.maxScore = Number.isFinite(max) ? max : 0;
    if (options.byteFallback && this.byteIds.size < 256) {
      throw new Error(`unigram model: byte fallback needs 256 <0xXX> pieces, found ${this.byteIds.size}`);
    }
  }

  private insert(piece: string, id: number): void {
    let node = this.root;
    for (const ch of piece) {
      const c = ch.codePointAt(0) as number;
      let next = node.children.get(c);
      if (!next) {
        next = { children: new Map(), id: -1 };
        node.children.set(c, next);
      }
      node = next;
    }
    if (node.id < 0) node.id = id;
  }

  /** Segments already-normalized text into the most likely pieces; consecutive unknowns fuse into one token. */
  encode(normalized: string): Token[] {
    const chars = Array.from(normalized);
    const n = chars.length;
    if (n === 0) return [];
    const codes = chars.map((c) => c.codePointAt(0) as number);
    // The C++ keeps path scores as floats: a piece's candidate is an exact double sum compared before rounding,
    // while the unknown candidate is float arithmetic throughout.
    const f32 = this.options.float32Scores === true;
    const store = f32 ? Math.fround : (x: number) => x;
    const unkScore = f32 ? Math.fround(this.minScore - UNK_PENALTY) : this.minScore - UNK_PENALTY;
    const bestScore = new Float64Array(n + 1);
    const bestId = new Int32Array(n + 1).fill(-1);
    const startsAt = new Int32Array(n + 1).fill(-1);
    startsAt[0] = 0;
    for (let begin = 0; begin < n; begin++) {
      if (begin > 0 && startsAt[begin] < 0) continue;
      const base = bestScore[begin];
      let hasSingle = false;
      let node: TrieNode | undefined = this.root;
      let bytes = 0;
      for (let end = begin; end < n && node; end++) {
        node = node.children.get(codes[end]);
        if (!node) break;
        bytes += utf8Length(codes[end]);
        if (node.id < 0) continue;
        const p = this.pieces[node.id];
        if (p.kind === 'unused') continue;
        const score = p.kind === 'userDefined' ? bytes * this.maxScore - 0.1 : p.score;
        const candidate = score + base;
        const at = end + 1;
        if (startsAt[at] < 0 || candidate > bestScore[at]) {
          bestScore[at] = store(candidate);
          bestId[at] = node.id;
          startsAt[at] = begin;
        }
        if (at === begin + 1) hasSingle = true;
      }
      if (!hasSingle) {
        const candidate = store(unkScore + base);
        const at = begin + 1;
        if (startsAt[at] < 0 || candidate > bestScore[at]) {
          bestScore[at] = candidate;
          bestId[at] = this.options.unkId;
          startsAt[at] = begin;
        }
      }
    }
    const reversed: Token[] = [];
    for (let end = n; end > 0; end = startsAt[end]) {
      reversed.push({ id: bestId[end], piece: chars.slice(startsAt[end], end).join('') });
    }
    const tokens: Token[] = [];
    for (let i = reversed.length - 1; i >= 0; i--) {
      const t = reversed[i];
      const last = tokens[tokens.length - 1];
      if (t.id === this.options.unkId && last?.id === this.options.unkId) last.piece += t.piece;
      else tokens.push({ ...t });
    }
    return this.options.byteFallback ? tokens.flatMap((t) => this.toBytes(t)) : tokens;
  }

  private toBytes(t: Token): Token[] {
    if (t.id !== this.options.unkId) return [t];
    return Array.from(new TextEncoder().encode(t.piece), (b) => {
      const id = this.byteIds.get(b) as number;
      return { id, piece: this.pieces[id].piece };
    });
  }
}

function utf8Length(code: number): number {
  return code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
}
