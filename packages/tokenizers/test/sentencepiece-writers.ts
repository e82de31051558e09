// Test helpers: writers for the binary formats the SentencePiece readers parse (protobuf ModelProto, a darts-clone
// double array for the precompiled charsmap).

import type { SentencePiece, SentencePieceNormalizerSpec, SentencePieceTrainerSpec } from '../src/sentencepiece-model.js';
import { PIECE_TYPE } from '../src/sentencepiece-model.js';

function varint(n: number): number[] {
  const out: number[] = [];
  if (n < 0) {
    // int32 negatives: 10-byte two's complement.
    const lo = n >>> 0;
    let v = BigInt(lo) | (0xffffffffn << 32n);
    for (let i = 0; i < 10; i++) {
      out.push(Number(v & 0x7fn) | (i < 9 ? 0x80 : 0));
      v >>= 7n;
    }
    return out;
  }
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

const key = (field: number, wire: number) => varint(field * 8 + wire);
const bytesField = (field: number, b: ArrayLike<number>) => [...key(field, 2), ...varint(b.length), ...Array.from(b)];
const stringField = (field: number, s: string) => bytesField(field, new TextEncoder().encode(s));
const varintField = (field: number, v: number) => [...key(field, 0), ...varint(v)];
function floatField(field: number, v: number): number[] {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setFloat32(0, v, true);
  return [...key(field, 5), ...b];
}

/** Serializes a ModelProto with the given pieces and specs. */
export function writeModelProto(
  pieces: readonly SentencePiece[],
  trainer: Partial<SentencePieceTrainerSpec> = {},
  normalizer: Partial<SentencePieceNormalizerSpec> = {},
): Uint8Array {
  const out: number[] = [];
  for (const p of pieces) {
    out.push(...bytesField(1, [...stringField(1, p.piece), ...floatField(2, p.score), ...varintField(3, PIECE_TYPE[p.type])]));
  }
  const t: number[] = [];
  if (trainer.modelType) t.push(...varintField(3, ['unigram', 'bpe', 'word', 'char'].indexOf(trainer.modelType) + 1));
  if (trainer.byteFallback !== undefined) t.push(...varintField(35, trainer.byteFallback ? 1 : 0));
  if (trainer.treatWhitespaceAsSuffix !== undefined) t.push(...varintField(24, trainer.treatWhitespaceAsSuffix ? 1 : 0));
  if (trainer.unkId !== undefined) t.push(...varintField(40, trainer.unkId));
  if (trainer.padId !== undefined) t.push(...varintField(43, trainer.padId));
  out.push(...bytesField(2, t));
  const n: number[] = [];
  if (normalizer.name !== undefined) n.push(...stringField(1, normalizer.name));
  if (normalizer.precompiledCharsmap !== undefined) n.push(...bytesField(2, normalizer.precompiledCharsmap));
  if (normalizer.addDummyPrefix !== undefined) n.push(...varintField(3, normalizer.addDummyPrefix ? 1 : 0));
  if (normalizer.removeExtraWhitespaces !== undefined) n.push(...varintField(4, normalizer.removeExtraWhitespaces ? 1 : 0));
  if (normalizer.escapeWhitespaces !== undefined) n.push(...varintField(5, normalizer.escapeWhitespaces ? 1 : 0));
  out.push(...bytesField(3, n));
  return Uint8Array.from(out);
}

interface BuildNode {
  children: Map<number, BuildNode>;
  value: number;
}

/**
 * Builds a precompiled charsmap blob (u32le trie size, darts-clone units, NUL-terminated replacements) mapping each
 * key to its replacement.
 */
export function writeCharsmap(rules: Record<string, string>): Uint8Array {
  const enc = new TextEncoder();
  const strings: number[] = [];
  const root: BuildNode = { children: new Map(), value: -1 };
  for (const [from, to] of Object.entries(rules)) {
    let node = root;
    for (const b of enc.encode(from)) {
      let next = node.children.get(b);
      if (!next) {
        next = { children: new Map(), value: -1 };
        node.children.set(b, next);
      }
      node = next;
    }
    node.value = strings.length;
    strings.push(...enc.encode(to), 0);
  }
  const units: number[] = [0];
  const used = new Set<number>([0]);
  const usedBases = new Set<number>();
  const place = (node: BuildNode, pos: number) => {
    const labels = [...node.children.keys()];
    if (node.value >= 0) labels.push(0);
    if (labels.length === 0) return;
    let base = 1;
    while (usedBases.has(base) || labels.some((c) => used.has(base ^ c))) base++;
    usedBases.add(base);
    for (const c of labels) used.add(base ^ c);
    const off = pos ^ base;
    if (off >= 1 << 21) throw new Error('test charsmap too large');
    units[pos] = ((units[pos] ?? 0) | (off << 10)) >>> 0;
    if (node.value >= 0) units[base] = (node.value | 0x80000000) >>> 0;
    for (const [c, child] of node.children) {
      const at = base ^ c;
      units[at] = (c | (child.value >= 0 ? 1 << 8 : 0)) >>> 0;
      place(child, at);
    }
  };
  place(root, 0);
  const trie = new Uint8Array(units.length * 4);
  const view = new DataView(trie.buffer);
  for (let i = 0; i < units.length; i++) view.setUint32(4 * i, units[i] ?? 0, true);
  const out = new Uint8Array(4 + trie.length + strings.length);
  new DataView(out.buffer).setUint32(0, trie.length, true);
  out.set(trie, 4);
  out.set(strings, 4 + trie.length);
  return out;
}
