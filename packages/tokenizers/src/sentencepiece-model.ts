// Reads a SentencePiece `.model` file (a `sentencepiece.ModelProto` protobuf) without a protobuf library.
// Field numbers follow google/sentencepiece src/sentencepiece_model.proto.

/** Piece types, numbered as in `ModelProto.SentencePiece.Type`. */
export const PIECE_TYPE = {
  normal: 1,
  unknown: 2,
  control: 3,
  userDefined: 4,
  unused: 5,
  byte: 6,
} as const;

export type PieceType = keyof typeof PIECE_TYPE;

/** One vocabulary entry; its id is its index in `SentencePieceModel.pieces`. */
export interface SentencePiece {
  piece: string;
  score: number;
  type: PieceType;
}

/** The trainer settings that change encoding. */
export interface SentencePieceTrainerSpec {
  modelType: 'unigram' | 'bpe' | 'word' | 'char';
  byteFallback: boolean;
  treatWhitespaceAsSuffix: boolean;
  unkId: number;
  bosId: number;
  eosId: number;
  padId: number;
}

/** `NormalizerSpec`: the precompiled character map and the whitespace rules. */
export interface SentencePieceNormalizerSpec {
  name: string;
  /** Darts double-array trie plus the replacement strings; empty for the identity rule. */
  precompiledCharsmap: Uint8Array;
  addDummyPrefix: boolean;
  removeExtraWhitespaces: boolean;
  escapeWhitespaces: boolean;
}

export interface SentencePieceModel {
  pieces: SentencePiece[];
  trainer: SentencePieceTrainerSpec;
  normalizer: SentencePieceNormalizerSpec;
}

const TYPE_BY_NUMBER = new Map<number, PieceType>(
  Object.entries(PIECE_TYPE).map(([name, n]) => [n, name as PieceType]),
);
const MODEL_TYPES = ['unigram', 'bpe', 'word', 'char'] as const;

/** Parses the bytes of an `spm.model` file; `source` names the file in errors. */
export function parseSentencePieceModel(bytes: Uint8Array, source = 'spm.model'): SentencePieceModel {
  const pieces: SentencePiece[] = [];
  const trainer: SentencePieceTrainerSpec = {
    modelType: 'unigram',
    byteFallback: false,
    treatWhitespaceAsSuffix: false,
    unkId: 0,
    bosId: 1,
    eosId: 2,
    padId: -1,
  };
  const normalizer: SentencePieceNormalizerSpec = {
    name: '',
    precompiledCharsmap: new Uint8Array(0),
    addDummyPrefix: true,
    removeExtraWhitespaces: true,
    escapeWhitespaces: true,
  };
  const fail = (message: string): never => {
    throw new Error(`${source}: not a SentencePiece model (${message})`);
  };
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const text = (b: Uint8Array) => {
    try {
      return decoder.decode(b);
    } catch {
      return fail('a string field is not valid UTF-8');
    }
  };

  for (const f of readFields(bytes, fail)) {
    if (f.field === 1 && f.bytes) {
      const p: SentencePiece = { piece: '', score: 0, type: 'normal' };
      for (const g of readFields(f.bytes, fail)) {
        if (g.field === 1 && g.bytes) p.piece = text(g.bytes);
        else if (g.field === 2 && g.fixed32 !== undefined) p.score = g.fixed32;
        else if (g.field === 3 && g.varint !== undefined) {
          p.type = TYPE_BY_NUMBER.get(g.varint) ?? fail(`piece ${pieces.length} has unknown type ${g.varint}`);
        }
      }
      pieces.push(p);
    } else if (f.field === 2 && f.bytes) {
      for (const g of readFields(f.bytes, fail)) {
        const v = g.varint;
        const i32 = g.int32 ?? 0;
        if (v === undefined) continue;
        if (g.field === 3) trainer.modelType = MODEL_TYPES[v - 1] ?? fail(`unknown model_type ${v}`);
        else if (g.field === 24) trainer.treatWhitespaceAsSuffix = v !== 0;
        else if (g.field === 35) trainer.byteFallback = v !== 0;
        else if (g.field === 40) trainer.unkId = i32;
        else if (g.field === 41) trainer.bosId = i32;
        else if (g.field === 42) trainer.eosId = i32;
        else if (g.field === 43) trainer.padId = i32;
      }
    } else if (f.field === 3 && f.bytes) {
      for (const g of readFields(f.bytes, fail)) {
        if (g.field === 1 && g.bytes) normalizer.name = text(g.bytes);
        else if (g.field === 2 && g.bytes) normalizer.precompiledCharsmap = g.bytes.slice();
        else if (g.field === 3 && g.varint !== undefined) normalizer.addDummyPrefix = g.varint !== 0;
        else if (g.field === 4 && g.varint !== undefined) normalizer.removeExtraWhitespaces = g.varint !== 0;
        else if (g.field === 5 && g.varint !== undefined) normalizer.escapeWhitespaces = g.varint !== 0;
      }
    }
  }
  if (pieces.length === 0) fail('no pieces');
  pieces.forEach((p, i) => {
    if (p.piece === '') fail(`piece ${i} is empty`);
  });
  return { pieces, trainer, normalizer };
}

interface Field {
  field: number;
  varint?: number;
  /** The varint's low 32 bits as a signed int32 (protobuf writes negative int32 as 10-byte varints). */
  int32?: number;
  fixed32?: number;
  bytes?: Uint8Array;
}

// Protobuf wire format: varint (0), 64-bit (1), length-delimited (2), 32-bit (5).
function* readFields(buf: Uint8Array, fail: (m: string) => never): Generator<Field> {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = 0;
  let low32 = 0;
  const varint = (): number => {
    let result = 0;
    let mul = 1;
    low32 = 0;
    for (let i = 0; i < 10; i++) {
      if (pos >= buf.length) fail('truncated varint');
      const b = buf[pos++];
      result += (b & 0x7f) * mul;
      if (i < 5) low32 = (low32 | ((b & 0x7f) << (7 * i))) | 0;
      mul *= 128;
      if ((b & 0x80) === 0) return result;
    }
    return fail('varint too long');
  };
  while (pos < buf.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (field === 0) fail('field number 0');
    if (wire === 0) {
      const v = varint();
      yield { field, varint: v, int32: low32 };
    }
    else if (wire === 1) {
      if (pos + 8 > buf.length) fail('truncated 64-bit field');
      pos += 8;
    } else if (wire === 2) {
      const len = varint();
      if (pos + len > buf.length) fail(`field ${field} runs past the end`);
      yield { field, bytes: buf.subarray(pos, pos + len) };
      pos += len;
    } else if (wire === 5) {
      if (pos + 4 > buf.length) fail('truncated 32-bit field');
      yield { field, fixed32: view.getFloat32(pos, true) };
      pos += 4;
    } else fail(`unsupported wire type ${wire}`);
  }
}

