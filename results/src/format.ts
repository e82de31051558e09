// Number formatting for the tables: each column's format, the seeds' aggregate, and the signed difference to the paper.
import type { Aggregate, Better, Format } from './spec.js';

/** A value in a column's format: 87.5, .39 (fraction), 0.35M (params). */
export function formatValue(v: number, f: Format): string {
  if (f.kind === 'params') return `${(v / 1e6).toFixed(f.digits)}M`;
  const s = v.toFixed(f.digits);
  return f.kind === 'fraction' ? s.replace(/^(-?)0\./, '$1.') : s;
}

/** A difference with its sign (+0.3, -1.2, +.02); zero prints as ±0 in the column's precision. */
export function formatDelta(d: number, f: Format): string {
  const body = formatValue(Math.abs(d), f);
  const zero = Number(f.kind === 'params' ? (Math.abs(d) / 1e6).toFixed(f.digits) : Math.abs(d).toFixed(f.digits)) === 0;
  return `${zero ? '±' : d > 0 ? '+' : '-'}${body}`;
}

/** `better`, `worse` or `same` (equal in the printed precision), or '' for columns without a direction. */
export function judge(d: number, better: Better, f: Format): string {
  if (better === null) return '';
  const unit = f.kind === 'params' ? 10 ** -f.digits * 1e6 : 10 ** -f.digits;
  if (Math.abs(d) < unit / 2) return 'same';
  return (d > 0) === (better === 'higher') ? 'better' : 'worse';
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Sample standard deviation (n − 1); 0 for fewer than two values. */
export function std(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

export function aggregate(xs: readonly number[], how: Aggregate): number {
  return how === 'median' ? median(xs) : mean(xs);
}

const SUPERSCRIPT = '⁰¹²³⁴⁵⁶⁷⁸⁹';

/** 12 → ¹² (note markers). */
export function superscript(n: number): string {
  return String(n)
    .split('')
    .map((d) => SUPERSCRIPT[Number(d)])
    .join('');
}

/** Escapes what would break a markdown table cell. */
export function cellText(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
