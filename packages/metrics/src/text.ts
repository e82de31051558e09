// String helpers that behave like the Python, Perl and Java calls the reference tools make, so scores match to the digit.

/** Characters for which Python's `str.isspace()` is true (`str.split()`, `str.strip()`, `re` `\s` on str). */
export const PY_WHITESPACE = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PY_WS_RUN = new RegExp(`[${PY_WHITESPACE}]+`, 'g');
const PY_WS_LEFT = new RegExp(`^[${PY_WHITESPACE}]+`);
const PY_WS_RIGHT = new RegExp(`[${PY_WHITESPACE}]+$`);

/** Python `s.split()`: split on runs of whitespace, no empty strings. */
export function pySplit(s: string): string[] {
  const parts = s.split(PY_WS_RUN);
  let start = 0;
  let end = parts.length;
  if (end > 0 && parts[0] === '') start = 1;
  if (end > start && parts[end - 1] === '') end -= 1;
  return start === 0 && end === parts.length ? parts : parts.slice(start, end);
}

/** Python `s.strip()`. */
export function pyStrip(s: string): string {
  return s.replace(PY_WS_LEFT, '').replace(PY_WS_RIGHT, '');
}

/** Python `s.rstrip()`. */
export function pyRstrip(s: string): string {
  return s.replace(PY_WS_RIGHT, '');
}

/** Python `s.lower()`: full Unicode lowercase (both apply SpecialCasing and the final-sigma rule). */
export function pyLower(s: string): string {
  return s.toLowerCase();
}

/** Python `s.splitlines()` line boundaries (used by `codecs` readers). */
// eslint-disable-next-line no-control-regex -- these are Python's line boundaries
const PY_LINE_BREAK = /\r\n|[\n\v\f\r\x1c\x1d\x1e\x85\u2028\u2029]/;

/** Python `s.splitlines()`. */
export function pySplitlines(s: string): string[] {
  if (s === '') return [];
  const lines = s.split(PY_LINE_BREAK);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Perl `\s` on a character string (Unicode White_Space). */
export const PERL_WHITESPACE = '\\t\\n\\v\\f\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

/** Characters of `s` as code points (Python indexes strings by code point). */
export function codePoints(s: string): string[] {
  return Array.from(s);
}

/** Java `String.hashCode()` (METEOR keys words by it). */
export function javaHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/** Java `String.trim()`: strips code units <= U+0020 from both ends. */
export function javaTrim(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && s.charCodeAt(start) <= 0x20) start++;
  while (end > start && s.charCodeAt(end - 1) <= 0x20) end--;
  return s.slice(start, end);
}

/** Java `StringTokenizer` with default delimiters (space, tab, newline, carriage return, form feed). */
export function javaTokenize(s: string): string[] {
  return s.split(/[ \t\n\r\f]+/).filter((t) => t !== '');
}

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);

/** Python `f"{x:.{digits}f}"`: the exact binary value rounded half to even. */
export function formatFixed(x: number, digits: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  F64[0] = x;
  const hi = U32[1];
  const lo = U32[0];
  const negative = hi >>> 31 === 1;
  const biased = (hi >>> 20) & 0x7ff;
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp: number;
  if (biased === 0) exp = -1074;
  else {
    mantissa |= 1n << 52n;
    exp = biased - 1075;
  }
  const scale = 10n ** BigInt(digits);
  let q: bigint;
  if (exp >= 0) q = (mantissa << BigInt(exp)) * scale;
  else {
    const num = mantissa * scale;
    const den = 1n << BigInt(-exp);
    q = num / den;
    const twice = (num % den) * 2n;
    if (twice > den || (twice === den && q % 2n === 1n)) q += 1n;
  }
  let s = q.toString();
  if (digits > 0) {
    s = s.padStart(digits + 1, '0');
    s = `${s.slice(0, -digits)}.${s.slice(-digits)}`;
  }
  return negative ? `-${s}` : s;
}

/** Python `repr(float)`: shortest round-trip digits, Python's switch to exponent form. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mant, expStr] = Math.abs(x).toExponential().split('e');
  const exp = Number(expStr);
  const digits = mant.replace('.', '');
  const sign = x < 0 ? '-' : '';
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp).toString().padStart(2, '0');
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${e}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return `${sign}${digits}${'0'.repeat(exp + 1 - digits.length)}.0`;
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}
