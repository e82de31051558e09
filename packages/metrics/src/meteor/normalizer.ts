// METEOR 1.5's `-norm` text normalization for English (edu.cmu.meteor.util.Normalizer.normalizeLine).
import { javaTokenize, javaTrim } from '../text.js';
import { NONBREAKING_PREFIXES_EN } from './english.js';

// Latin letters with common accents, then Cyrillic (the ranges the Java source spells out).
const ALPHA = 'A-Za-z\\u0160\\u017d\\u0161\\u017e\\u0178\\u00c0-\\u00d6\\u00d8-\\u00f6\\u00f8-\\u017e\\u0400-\\u04ff\\u0500-\\u0527\\ua640-\\ua66e\\ua67e-\\ua697\\u1d00-\\u1d7f';
const ALNUM = `0-9${ALPHA}`;
// Java's `\s` without UNICODE_CHARACTER_CLASS.
const JAVA_SPACE = ' \\t\\n\\x0B\\f\\r';

const SEP_OTHER = new RegExp(`([^${ALNUM}${JAVA_SPACE}.'\`,\\-\\u2018\\u2019])`, 'gu');
const MULTI_DOT = /\.([.]+)/gu;
const MULTI_DOT2 = /DOTMULTI\.([^.])/gu;
const COMMA = /([^0-9])[,]([^0-9])/gu;
const COMMA2 = /([0-9])[,]([^0-9])/gu;
const COMMA3 = /([^0-9])[,]([0-9])/gu;
const QUOTE = /([`\u2018\u2019])/gu;
const QUOTE2 = /([\u201c\u201d]|'')/gu;
const RM_DASH = new RegExp(`([${ALNUM}.])[\\-]([${ALNUM}])`, 'gu');
const CONT_EN = new RegExp(`([^${ALPHA}])[']([^${ALPHA}])`, 'gu');
const CONT_EN2 = new RegExp(`([^${ALPHA}0-9])[']([${ALPHA}])`, 'gu');
const CONT_EN3 = new RegExp(`([${ALPHA}])[']([^${ALPHA}])`, 'gu');
const CONT_EN4 = new RegExp(`([${ALPHA}])[']([${ALPHA}])`, 'gu');
const CONT_EN5 = /([0-9])[']([s])/gu;
const NBP_ALPHA = new RegExp(`[${ALPHA}]`, 'u');
const WHITE = /[ \u2000-\u200a\u202f\u205f\u3000\u00a0]+/gu;

/** METEOR's English `normalizeLine(line, LANG_EN, keepPunctuation)`. */
export function normalizeMeteorEn(line: string, keepPunctuation = true): string {
  let s = ` ${line} `;
  s = s.replace(SEP_OTHER, ' $1 ');
  s = s.replace(MULTI_DOT, ' DOTMULTI$1');
  while (s.includes('DOTMULTI.')) s = s.replace(MULTI_DOT2, 'DOTDOTMULTI $1').replaceAll('DOTMULTI.', 'DOTDOTMULTI');
  s = s.replace(COMMA, '$1 , $2').replace(COMMA2, '$1 , $2').replace(COMMA3, '$1 , $2');
  s = s.replace(QUOTE, "'").replace(QUOTE2, ' " ');
  s = s.replaceAll('\u2013', '-').replaceAll('--', '-');
  s = s.replace(RM_DASH, '$1 $2');
  s = s.replace(CONT_EN, "$1 ' $2").replace(CONT_EN2, "$1 ' $2").replace(CONT_EN3, "$1 ' $2");
  s = s.replace(CONT_EN4, "$1 '$2").replace(CONT_EN5, "$1 '$2");
  const words = javaTokenize(s);
  let out = '';
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (w.length > 1 && w.endsWith('.')) {
      const pre = w.slice(0, -1);
      const numericOnly = NONBREAKING_PREFIXES_EN.get(pre);
      const next = i < words.length - 1 ? words[i + 1] : undefined;
      if (pre.includes('.') && NBP_ALPHA.test(pre)) out += w.replaceAll('.', '');
      else if (numericOnly === false || (next !== undefined && /^[a-z]/.test(next))) out += w;
      else if (numericOnly === true && next !== undefined && /^[0-9]+/.test(next)) out += w;
      else out += `${pre} .`;
    } else out += w;
    out += ' ';
  }
  while (out.includes('DOTDOTMULTI')) out = out.replaceAll('DOTDOTMULTI', 'DOTMULTI.');
  out = out.replaceAll('DOTMULTI', '.');
  if (!keepPunctuation) out = out.replace(new RegExp(`[^${ALNUM}]`, 'gu'), ' ');
  return javaTrim(out.replace(WHITE, ' '));
}
