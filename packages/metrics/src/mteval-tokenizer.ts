// The mteval-v13a tokenization shared by e2e-metrics' pymteval.py, mteval-v13a-sig.pl and multi-bleu-detok.perl.
import { PERL_WHITESPACE, PY_WHITESPACE } from './text.js';

const PUNCTUATION = /([{-~[-` -&(-+:-@/])/g;
const PERIOD_COMMA_AFTER_NON_DIGIT = /([^0-9])([.,])/g;
const PERIOD_COMMA_BEFORE_NON_DIGIT = /([.,])([^0-9])/g;
const DASH_AFTER_DIGIT = /([0-9])(-)/g;

/** Whose whitespace `\s` means: Python `re`, Perl on character strings, or Perl on bytes (ASCII only). */
export type WhitespaceFlavour = 'python' | 'perl' | 'ascii';

const WS: Record<WhitespaceFlavour, { run: RegExp; edges: RegExp }> = {
  python: { run: new RegExp(`[${PY_WHITESPACE}]+`, 'g'), edges: new RegExp(`^[${PY_WHITESPACE}]+|[${PY_WHITESPACE}]+$`, 'g') },
  perl: { run: new RegExp(`[${PERL_WHITESPACE}]+`, 'g'), edges: new RegExp(`^[${PERL_WHITESPACE}]+|[${PERL_WHITESPACE}]+$`, 'g') },
  ascii: { run: /[\t\n\v\f\r ]+/g, edges: /^[\t\n\v\f\r ]+|[\t\n\v\f\r ]+$/g },
};

/**
 * mteval-v13a's normalization: strip `<skipped>`, join hyphenated line breaks, unescape the four SGML entities,
 * split ASCII punctuation (periods and commas only next to a non-digit, dashes only after a digit), collapse
 * whitespace. `asciiLowercase` is Perl's `tr/[A-Z]/[a-z]/` (mteval without `-c`).
 */
export function mtevalNormalize(text: string, opts: { whitespace: WhitespaceFlavour; asciiLowercase?: boolean }): string {
  let s = text.replaceAll('<skipped>', '').replaceAll('-\n', '').replaceAll('\n', ' ');
  s = s.replaceAll('&quot;', '"').replaceAll('&amp;', '&').replaceAll('&lt;', '<').replaceAll('&gt;', '>');
  s = ` ${s} `;
  if (opts.asciiLowercase) s = s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
  s = s
    .replace(PUNCTUATION, ' $1 ')
    .replace(PERIOD_COMMA_AFTER_NON_DIGIT, '$1 $2 ')
    .replace(PERIOD_COMMA_BEFORE_NON_DIGIT, ' $1 $2')
    .replace(DASH_AFTER_DIGIT, '$1 $2 ');
  const ws = WS[opts.whitespace];
  return s.replace(ws.run, ' ').replace(ws.edges, '');
}

/** Perl `split /\s+/, $s` on an already normalized string (no leading whitespace): words, none for "". */
export function perlSplitWords(s: string, whitespace: WhitespaceFlavour): string[] {
  return s === '' ? [] : s.split(WS[whitespace].run).filter((w, i, a) => !(w === '' && i === a.length - 1));
}
