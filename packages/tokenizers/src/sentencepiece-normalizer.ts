// SentencePiece text normalization: the precompiled character map (a darts-clone double-array trie over UTF-8
// bytes whose values index NUL-terminated replacement strings) and the whitespace rules of
// google/sentencepiece src/normalizer.cc. Everything works on UTF-8 bytes, as the C++ does.

import type { SentencePieceNormalizerSpec } from './sentencepiece-model.js';

/** U+2581 LOWER ONE EIGHTH BLOCK, SentencePiece's visible space. */
export const SPACE_SYMBOL = '\u2581';
const SPACE_SYMBOL_BYTES = [0xe2, 0x96, 0x81];
const REPLACEMENT_BYTES = [0xef, 0xbf, 0xbd];

/** A precompiled charsmap: longest-prefix replacement over UTF-8 bytes. */
export class PrecompiledCharsmap {
  private readonly units: Uint32Array;
  private readonly normalized: Uint8Array;

  /** `blob` is `NormalizerSpec.precompiled_charsmap`: u32le trie size, the trie units, then the strings. */
  constructor(blob: Uint8Array, source = 'precompiled_charsmap') {
    if (blob.length < 4) throw new Error(`${source}: charsmap shorter than its 4-byte header`);
    const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
    const trieSize = view.getUint32(0, true);
    if (trieSize % 4 !== 0 || 4 + trieSize > blob.length) {
      throw new Error(`${source}: trie size ${trieSize} does not fit the ${blob.length}-byte charsmap`);
    }
    this.units = new Uint32Array(trieSize / 4);
    for (let i = 0; i < this.units.length; i++) this.units[i] = view.getUint32(4 + 4 * i, true);
    this.normalized = blob.slice(4 + trieSize);
  }

  /**
   * The longest rule matching `bytes` from `start`: its length in bytes and its replacement, or undefined.
   * (darts-clone `commonPrefixSearch`, keeping the longest result.)
   */
  match(bytes: Uint8Array, start: number, end = bytes.length): { length: number; replacement: Uint8Array } | undefined {
    return this.search(bytes, start, end, false);
  }

  /** The shortest rule matching from `start` (what HF's `Precompiled` normalizer uses). */
  shortestMatch(bytes: Uint8Array, start = 0, end = bytes.length): { length: number; replacement: Uint8Array } | undefined {
    return this.search(bytes, start, end, true);
  }

  private search(bytes: Uint8Array, start: number, end: number, shortest: boolean) {
    const u = this.units;
    if (u.length === 0) return undefined;
    let node = offset(u[0]);
    let best = -1;
    let bestValue = 0;
    for (let i = start; i < end; i++) {
      const c = bytes[i];
      node ^= c;
      if (node >= u.length) break;
      const unit = u[node];
      if (label(unit) !== c) break;
      node ^= offset(unit);
      if (hasLeaf(unit)) {
        if (node >= u.length) break;
        best = i + 1 - start;
        bestValue = u[node] & 0x7fffffff;
        if (shortest) break;
      }
    }
    if (best < 0) return undefined;
    let stop = bestValue;
    while (stop < this.normalized.length && this.normalized[stop] !== 0) stop++;
    return { length: best, replacement: this.normalized.subarray(bestValue, stop) };
  }
}

// darts-clone unit layout: bit 8 leaf flag, bits 10+ offset (shifted by 8 more when bit 9 is set), label in bits 0-7
// and 31.
function hasLeaf(unit: number): boolean {
  return ((unit >>> 8) & 1) === 1;
}
function label(unit: number): number {
  return unit & 0x800000ff;
}
function offset(unit: number): number {
  return (unit >>> 10) << ((unit & (1 << 9)) >>> 6);
}

/** Byte length of the valid UTF-8 character at `pos`, or 0 when the bytes there are malformed. */
export function utf8CharLength(bytes: Uint8Array, pos: number, end = bytes.length): number {
  const b = bytes[pos];
  const cont = (i: number) => pos + i < end && (bytes[pos + i] & 0xc0) === 0x80;
  if (b < 0x80) return 1;
  if (b >= 0xc2 && b <= 0xdf) return cont(1) ? 2 : 0;
  if (b >= 0xe0 && b <= 0xef) {
    if (!cont(1) || !cont(2)) return 0;
    const b1 = bytes[pos + 1];
    if (b === 0xe0 && b1 < 0xa0) return 0; // overlong
    if (b === 0xed && b1 >= 0xa0) return 0; // surrogate
    return 3;
  }
  if (b >= 0xf0 && b <= 0xf4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    const b1 = bytes[pos + 1];
    if (b === 0xf0 && b1 < 0x90) return 0;
    if (b === 0xf4 && b1 >= 0x90) return 0;
    return 4;
  }
  return 0;
}

/** Finds user-defined symbols at a position (SentencePiece copies them through normalization verbatim). */
export interface PrefixMatcher {
  /** Byte length of the longest symbol starting at `pos`, or 0. */
  longestMatch(bytes: Uint8Array, pos: number): number;
}

/** Builds a `PrefixMatcher` over `symbols` (longest match wins). */
export function prefixMatcher(symbols: readonly string[]): PrefixMatcher {
  const enc = new TextEncoder();
  const encoded = symbols.map((s) => enc.encode(s)).filter((b) => b.length > 0);
  return {
    longestMatch(bytes, pos) {
      let best = 0;
      for (const s of encoded) {
        if (s.length <= best || pos + s.length > bytes.length) continue;
        let ok = true;
        for (let i = 0; i < s.length && ok; i++) ok = bytes[pos + i] === s[i];
        if (ok) best = s.length;
      }
      return best;
    },
  };
}

/** SentencePiece's `Normalizer::Normalize`: charsmap, whitespace rules, then ' ' → '▁'. Returns UTF-8 bytes. */
export class SentencePieceNormalizer {
  private readonly charsmap: PrecompiledCharsmap | undefined;

  constructor(
    private readonly spec: SentencePieceNormalizerSpec,
    private readonly options: { treatWhitespaceAsSuffix?: boolean; userDefined?: PrefixMatcher } = {},
  ) {
    this.charsmap = spec.precompiledCharsmap.length > 0 ? new PrecompiledCharsmap(spec.precompiledCharsmap) : undefined;
  }

  /** One normalization step at `pos`: the replacement bytes and how many input bytes they consume. */
  private prefix(input: Uint8Array, pos: number): { out: ArrayLike<number>; consumed: number } {
    const user = this.options.userDefined?.longestMatch(input, pos) ?? 0;
    if (user > 0) return { out: input.subarray(pos, pos + user), consumed: user };
    const m = this.charsmap?.match(input, pos);
    if (m) return { out: m.replacement, consumed: m.length };
    const n = utf8CharLength(input, pos);
    if (n === 0) return { out: REPLACEMENT_BYTES, consumed: 1 };
    return { out: input.subarray(pos, pos + n), consumed: n };
  }

  /** Normalizes `text` into UTF-8 bytes. */
  normalizeBytes(text: string): Uint8Array {
    const input = new TextEncoder().encode(text);
    const { addDummyPrefix, removeExtraWhitespaces, escapeWhitespaces } = this.spec;
    const suffix = this.options.treatWhitespaceAsSuffix ?? false;
    const out: number[] = [];
    let pos = 0;
    if (removeExtraWhitespaces) {
      while (pos < input.length) {
        const p = this.prefix(input, pos);
        if (!(p.out.length === 1 && p.out[0] === 0x20)) break;
        pos += p.consumed;
      }
    }
    if (pos >= input.length) return new Uint8Array(0);
    const space = escapeWhitespaces ? SPACE_SYMBOL_BYTES : [0x20];
    if (!suffix && addDummyPrefix) out.push(...space);
    let prevSpace = removeExtraWhitespaces;
    while (pos < input.length) {
      const p = this.prefix(input, pos);
      let s = 0;
      if (prevSpace) while (s < p.out.length && p.out[s] === 0x20) s++;
      if (s < p.out.length) {
        for (let k = s; k < p.out.length; k++) {
          if (escapeWhitespaces && p.out[k] === 0x20) out.push(...SPACE_SYMBOL_BYTES);
          else out.push(p.out[k]);
        }
        prevSpace = p.out[p.out.length - 1] === 0x20;
      }
      pos += p.consumed;
      if (!removeExtraWhitespaces) prevSpace = false;
    }
    if (removeExtraWhitespaces) {
      const n = space.length;
      while (out.length >= n && space.every((b, i) => out[out.length - n + i] === b)) out.length -= n;
    }
    if (suffix && addDummyPrefix) out.push(...space);
    return Uint8Array.from(out);
  }

  /** Normalizes `text` to a string (malformed input was already replaced by U+FFFD). */
  normalize(text: string): string {
    return new TextDecoder().decode(this.normalizeBytes(text));
  }
}

/**
 * HF tokenizers' `Precompiled` normalizer (spm_precompiled): a grapheme cluster shorter than 6 bytes is replaced
 * whole by the replacement of the shortest rule matching its start; otherwise each character is, likewise. Differs
 * from SentencePiece's longest-match walk only around multi-character clusters.
 */
export function applyPrecompiled(charsmap: PrecompiledCharsmap, text: string): string {
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  let out = '';
  const whole = (s: string): string | undefined => {
    const m = charsmap.shortestMatch(enc.encode(s));
    return m ? dec.decode(m.replacement) : undefined;
  };
  for (const { segment } of segmenter.segment(text)) {
    const g = enc.encode(segment).length < 6 ? whole(segment) : undefined;
    if (g !== undefined) {
      out += g;
      continue;
    }
    for (const ch of segment) out += whole(ch) ?? ch;
  }
  return out;
}
