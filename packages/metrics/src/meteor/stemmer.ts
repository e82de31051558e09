// The Snowball English (Porter2) stemmer, as METEOR 1.5's stem module runs it (org.tartarus.snowball englishStemmer).
// Works on UTF-16 code units like the Java original; only a, e, i, o, u, y count as vowels.

const VOWELS = new Set(['a', 'e', 'i', 'o', 'u', 'y']);
const isV = (c: string | undefined) => c !== undefined && VOWELS.has(c);
// Non-vowels for `shortv`'s last letter exclude w, x and Y as well.
const isNonVWXY = (c: string | undefined) => c !== undefined && !VOWELS.has(c) && c !== 'w' && c !== 'x' && c !== 'Y';
const VALID_LI = new Set(['c', 'd', 'e', 'g', 'h', 'k', 'm', 'n', 'r', 't']);

const EXCEPTION1: Record<string, string> = {
  skis: 'ski',
  skies: 'sky',
  dying: 'die',
  lying: 'lie',
  tying: 'tie',
  idly: 'idl',
  gently: 'gentl',
  ugly: 'ugli',
  early: 'earli',
  only: 'onli',
  singly: 'singl',
  sky: 'sky',
  news: 'news',
  howe: 'howe',
  atlas: 'atlas',
  cosmos: 'cosmos',
  bias: 'bias',
  andes: 'andes',
};
const EXCEPTION2 = new Set(['inning', 'outing', 'canning', 'herring', 'earring', 'proceed', 'exceed', 'succeed']);

/** Longest suffix of w[0..end) from `list`, or null. */
function longestSuffix(w: string[], end: number, list: readonly string[]): string | null {
  let best: string | null = null;
  for (const s of list) {
    if (s.length > end || (best && s.length <= best.length)) continue;
    let ok = true;
    for (let i = 0; i < s.length; i++) {
      if (w[end - s.length + i] !== s[i]) {
        ok = false;
        break;
      }
    }
    if (ok) best = s;
  }
  return best;
}

class Word {
  w: string[];
  p1 = 0;
  p2 = 0;
  constructor(s: string) {
    this.w = [...s.split('')];
  }
  get length() {
    return this.w.length;
  }
  replaceEnd(len: number, by: string): void {
    this.w.splice(this.w.length - len, len, ...by.split(''));
  }
  /** Is there a vowel in w[0..end)? */
  hasVowelBefore(end: number): boolean {
    for (let i = 0; i < end; i++) if (isV(this.w[i])) return true;
    return false;
  }
  /** Snowball `shortv` at position `end` (the region w[0..end) ends in a short syllable). */
  shortV(end: number): boolean {
    const w = this.w;
    if (end >= 3 && isNonVWXY(w[end - 1]) && isV(w[end - 2]) && !isV(w[end - 3])) return true;
    return end === 2 && !isV(w[1]) && isV(w[0]);
  }
}

function markRegions(word: Word): void {
  const w = word.w;
  const n = w.length;
  word.p1 = n;
  word.p2 = n;
  let i: number;
  const prefix = longestPrefix(w, ['gener', 'commun', 'arsen']);
  if (prefix) i = prefix.length;
  else {
    i = 0;
    while (i < n && !isV(w[i])) i++;
    while (i < n && isV(w[i])) i++;
    if (i >= n) return;
    i++;
  }
  word.p1 = i;
  while (i < n && !isV(w[i])) i++;
  while (i < n && isV(w[i])) i++;
  if (i >= n) return;
  word.p2 = i + 1;
}

function longestPrefix(w: string[], list: readonly string[]): string | null {
  for (const s of list) if (w.length >= s.length && w.slice(0, s.length).join('') === s) return s;
  return null;
}

function step1a(word: Word): void {
  const w = word.w;
  const apos = longestSuffix(w, w.length, ["'", "'s", "'s'"]);
  if (apos) w.splice(w.length - apos.length, apos.length);
  const suf = longestSuffix(w, w.length, ['sses', 'ied', 'ies', 's', 'us', 'ss']);
  if (!suf) return;
  const start = w.length - suf.length;
  if (suf === 'sses') word.replaceEnd(4, 'ss');
  else if (suf === 'ied' || suf === 'ies') word.replaceEnd(3, start >= 2 ? 'i' : 'ie');
  else if (suf === 's') {
    // `next gopast v`: skip the letter before the s, then a vowel must come earlier.
    if (start >= 1 && word.hasVowelBefore(start - 1)) w.pop();
  }
}

function step1b(word: Word): void {
  const w = word.w;
  const suf = longestSuffix(w, w.length, ['eed', 'eedly', 'ed', 'edly', 'ing', 'ingly']);
  if (!suf) return;
  const start = w.length - suf.length;
  if (suf === 'eed' || suf === 'eedly') {
    if (start >= word.p1) word.replaceEnd(suf.length, 'ee');
    return;
  }
  if (!word.hasVowelBefore(start)) return;
  w.splice(start, suf.length);
  const end = longestSuffix(w, w.length, ['at', 'bl', 'iz', 'bb', 'dd', 'ff', 'gg', 'mm', 'nn', 'pp', 'rr', 'tt']);
  if (end === 'at' || end === 'bl' || end === 'iz') w.push('e');
  else if (end) w.pop();
  else if (w.length === word.p1 && word.shortV(w.length)) w.push('e');
}

function step1c(word: Word): void {
  const w = word.w;
  const n = w.length;
  if (n >= 3 && (w[n - 1] === 'y' || w[n - 1] === 'Y') && !isV(w[n - 2])) w[n - 1] = 'i';
}

const STEP2: [string, string | null][] = [
  ['tional', 'tion'],
  ['enci', 'ence'],
  ['anci', 'ance'],
  ['abli', 'able'],
  ['entli', 'ent'],
  ['izer', 'ize'],
  ['ization', 'ize'],
  ['ational', 'ate'],
  ['ation', 'ate'],
  ['ator', 'ate'],
  ['alism', 'al'],
  ['aliti', 'al'],
  ['alli', 'al'],
  ['fulness', 'ful'],
  ['ousli', 'ous'],
  ['ousness', 'ous'],
  ['iveness', 'ive'],
  ['iviti', 'ive'],
  ['biliti', 'ble'],
  ['bli', 'ble'],
  ['ogi', null],
  ['fulli', 'ful'],
  ['lessli', 'less'],
  ['li', null],
];
const STEP2_MAP = new Map(STEP2);

function step2(word: Word): void {
  const w = word.w;
  const suf = longestSuffix(w, w.length, [...STEP2_MAP.keys()]);
  if (!suf) return;
  const start = w.length - suf.length;
  if (start < word.p1) return;
  if (suf === 'ogi') {
    if (w[start - 1] === 'l') word.replaceEnd(3, 'og');
  } else if (suf === 'li') {
    if (VALID_LI.has(w[start - 1])) w.splice(start, 2);
  } else word.replaceEnd(suf.length, STEP2_MAP.get(suf) as string);
}

const STEP3 = new Map<string, string | null>([
  ['tional', 'tion'],
  ['ational', 'ate'],
  ['alize', 'al'],
  ['icate', 'ic'],
  ['iciti', 'ic'],
  ['ical', 'ic'],
  ['ful', ''],
  ['ness', ''],
  ['ative', null],
]);

function step3(word: Word): void {
  const w = word.w;
  const suf = longestSuffix(w, w.length, [...STEP3.keys()]);
  if (!suf) return;
  const start = w.length - suf.length;
  if (start < word.p1) return;
  if (suf === 'ative') {
    if (start >= word.p2) w.splice(start, 5);
  } else word.replaceEnd(suf.length, STEP3.get(suf) as string);
}

const STEP4 = ['al', 'ance', 'ence', 'er', 'ic', 'able', 'ible', 'ant', 'ement', 'ment', 'ent', 'ism', 'ate', 'iti', 'ous', 'ive', 'ize', 'ion'];

function step4(word: Word): void {
  const w = word.w;
  const suf = longestSuffix(w, w.length, STEP4);
  if (!suf) return;
  const start = w.length - suf.length;
  if (start < word.p2) return;
  if (suf === 'ion') {
    if (w[start - 1] === 's' || w[start - 1] === 't') w.splice(start, 3);
  } else w.splice(start, suf.length);
}

function step5(word: Word): void {
  const w = word.w;
  const n = w.length;
  if (w[n - 1] === 'e') {
    const start = n - 1;
    if (start >= word.p2 || (start >= word.p1 && !word.shortV(start))) w.pop();
  } else if (w[n - 1] === 'l') {
    if (n - 1 >= word.p2 && w[n - 2] === 'l') w.pop();
  }
}

/** Stems one (lowercased) word with the Snowball English algorithm. */
export function stemEnglish(s: string): string {
  if (Object.hasOwn(EXCEPTION1, s)) return EXCEPTION1[s];
  if (s.length < 3) return s;
  const word = new Word(s);
  const w = word.w;
  // Prelude: drop a leading apostrophe, mark consonant y as Y.
  if (w[0] === "'") w.shift();
  let yFound = false;
  if (w[0] === 'y') {
    w[0] = 'Y';
    yFound = true;
  }
  for (let i = 1; i < w.length; i++) {
    if (w[i] === 'y' && isV(w[i - 1])) {
      w[i] = 'Y';
      yFound = true;
    }
  }
  markRegions(word);
  step1a(word);
  if (!EXCEPTION2.has(w.join(''))) {
    step1b(word);
    step1c(word);
    step2(word);
    step3(word);
    step4(word);
    step5(word);
  }
  let out = w.join('');
  if (yFound) out = out.replace(/Y/g, 'y');
  return out;
}
