// Stanford CoreNLP 3.4.1 PTBTokenizer (`-preserveLines -lowerCase`, default ptb3Escaping options) as the MS-COCO
// caption evaluation runs it, followed by its punctuation removal. The rules below follow PTBLexer.flex in order:
// at each position the longest match wins (trailing context counts), ties go to the earlier rule. Like the
// generated lexer, matching works on UTF-16 code units, so characters outside the BMP are untokenizable and dropped.

// ---- Unicode classes restricted to the BMP (JFlex 1.4 sees surrogates, not code points)

function bmpClass(test: RegExp): string {
  let out = '';
  let start = -1;
  const hex = (c: number) => `\\u${c.toString(16).padStart(4, '0')}`;
  for (let c = 0; c <= 0x10000; c++) {
    const inClass = c < 0x10000 && (c < 0xd800 || c > 0xdfff) && test.test(String.fromCharCode(c));
    if (inClass && start < 0) start = c;
    if (!inClass && start >= 0) {
      out += start === c - 1 ? hex(start) : `${hex(start)}-${hex(c - 1)}`;
      start = -1;
    }
  }
  return out;
}

const LETTER_CHARS = bmpClass(/\p{L}/u);
const DIGIT_CHARS = bmpClass(/\p{Nd}/u);
const UPPER_CHARS = bmpClass(/\p{Uppercase}/u);

/** A literal matched case-insensitively (JFlex %caseless applies to literals, not to character classes). */
function ci(s: string): string {
  let out = '';
  for (const ch of s) {
    const lo = ch.toLowerCase();
    const up = ch.toUpperCase();
    if (lo !== up && lo.length === 1 && up.length === 1) out += `[${lo}${up}]`;
    else out += /[\\^$.*+?()[\]{}|/-]/.test(ch) ? `\\${ch}` : ch;
  }
  return out;
}
const alt = (...xs: string[]) => `(?:${xs.join('|')})`;

// ---- Macros (PTBLexer.flex)

const SGML_NAME = '[A-Za-z][A-Za-z0-9_:.\\-]*';
const SGML = `<(?:[!?][A-Za-z\\-][^>\\r\\n]*|${SGML_NAME}(?:[ ]+(?:${SGML_NAME}|${SGML_NAME}[ ]*=[ ]*(?:'[^']*'|"[^"]*")))*[ ]*\\/?|\\/${SGML_NAME})[ ]*>`;
const SPMDASH = [`&${alt(ci('MD'), ci('mdash'), ci('ndash'))};`, '[\\u0096\\u0097\\u2013\\u2014\\u2015]'];
const SPAMP = `&${ci('amp')};`;
const SPPUNC = `&${alt(ci('HT'), ci('TL'), ci('UR'), ci('LR'), ci('QC'), ci('QL'), ci('QR'), ci('odq'), ci('cdq'), '#[0-9]+')};`;
const SPLET = `&[aeiouAEIOU]${alt(ci('acute'), ci('grave'), ci('uml'))};`;
const SPACE = '[ \\t\\u00A0\\u2000-\\u200A\\u3000]';
const NEWLINE = '(?:\\r\\n|[\\r\\n\\u2028\\u2029\\u000B\\u000C\\u0085])';
const SPACENL = `(?:${SPACE}|${NEWLINE})`;
const SPACENLS = `${SPACENL}+`;
const SENTEND = `${SPACENL}(?:${SPACENL}|[${UPPER_CHARS}]|${SGML})`;
const DIGIT = `[${DIGIT_CHARS}\\u07C0-\\u07C9]`;
const DATE = `${DIGIT}{1,2}[\\-/]${DIGIT}{1,2}[\\-/]${DIGIT}{2,4}`;
const NUMBER = [`[\\-+]?${DIGIT}+`, `[\\-+]?${DIGIT}*(?:[.:,\\u00AD\\u066B\\u066C]${DIGIT}+)+`];
const SUBSUPNUM = '[\\u207A\\u207B\\u208A\\u208B]?(?:[\\u2070\\u00B9\\u00B2\\u00B3\\u2074-\\u2079]+|[\\u2080-\\u2089]+)';
const FRAC = `(?:${DIGIT}{1,4}[- \\u00A0])?${DIGIT}{1,4}(?:\\\\?\\/|\\u2044)${DIGIT}{1,4}`;
const FRAC2 = '[\\u00BC\\u00BD\\u00BE\\u2153-\\u215E]';
const DOLSIGN = ['[A-Z]*\\$', '#'];
const DOLSIGN2 = '[\\u00A2\\u00A3\\u00A4\\u00A5\\u0080\\u20A0\\u20AC\\u060B\\u0E3F\\u20A4\\uFFE0\\uFFE1\\uFFE5\\uFFE6]';
const LETTER_EXTRA =
  '\\u00AD\\u0237-\\u024F\\u02C2-\\u02C5\\u02D2-\\u02DF\\u02E5-\\u02FF\\u0300-\\u036F\\u0370-\\u037D\\u0384\\u0385\\u03CF\\u03F6\\u03FC-\\u03FF\\u0483-\\u0487\\u04CF\\u04F6-\\u04FF\\u0510-\\u0525\\u055A-\\u055F\\u0591-\\u05BD\\u05BF\\u05C1\\u05C2\\u05C4\\u05C5\\u05C7\\u0615-\\u061A\\u063B-\\u063F\\u064B-\\u065E\\u0670\\u06D6-\\u06EF\\u06FA-\\u06FF\\u070F\\u0711\\u0730-\\u074F\\u0750-\\u077F\\u07A6-\\u07B1\\u07CA-\\u07F5\\u07FA\\u0900-\\u0903\\u093C\\u093E-\\u094E\\u0951-\\u0955\\u0962-\\u0963\\u0981-\\u0983\\u09BC-\\u09C4\\u09C7\\u09C8\\u09CB-\\u09CD\\u09D7\\u09E2\\u09E3\\u0A01-\\u0A03\\u0A3C\\u0A3E-\\u0A4F\\u0A81-\\u0A83\\u0ABC-\\u0ACF\\u0B82\\u0BBE-\\u0BC2\\u0BC6-\\u0BC8\\u0BCA-\\u0BCD\\u0C01-\\u0C03\\u0C3E-\\u0C56\\u0D3E-\\u0D44\\u0D46-\\u0D48\\u0E30-\\u0E3A\\u0E47-\\u0E4E\\u0EB1-\\u0EBC\\u0EC8-\\u0ECD';
const LETTER = `(?:[${LETTER_CHARS}${LETTER_EXTRA}]|${SPLET})`;
const LD = `(?:${LETTER}|${DIGIT})`;
const WORD = `${LETTER}${LD}*(?:[.!?]${LETTER}${LD}*)*`;
const FILENAME_EXT = alt(
  ...'bat|bmp|c|class|cgi|cpp|dll|doc|docx|exe|gif|gz|h|htm|html|jar|java|jpeg|jpg|mov|mp3|pdf|php|pl|png|ppt|ps|py|sql|tar|txt|wav|x|xml|zip'
    .split('|')
    .sort((a, b) => b.length - a.length)
    .map(ci),
);
const FILENAME = `${LD}+(?:[.]${LD}+)*(?:[.]${FILENAME_EXT})`;
const APOS = `(?:['\\u0092\\u2019]|&${ci('apos')};)`;
const APOSETCETERA = `(?:${APOS}|[\`\\u0091\\u2018\\u201B])`;
const LD_RAW = `[${LETTER_CHARS}${DIGIT_CHARS}]`;
const HYPHEN = '[-_\\u058A\\u2010\\u2011]';
const THING = `(?:[dDoOlL]${APOSETCETERA}${LD_RAW})?${LD_RAW}+(?:${HYPHEN}(?:[dDoOlL]${APOSETCETERA}${LD_RAW})?${LD_RAW}+)*`;
const THINGA = `[A-Z]+(?:(?:[+&]|${SPAMP})[A-Z]+)+`;
const THING3 = '[A-Za-z0-9]+(?:-[A-Za-z]+){0,2}(?:\\\\?\\/[A-Za-z0-9]+(?:-[A-Za-z]+){0,2}){1,2}';
const ACRO_ALTS = ['[A-Za-z](?:\\.[A-Za-z])*', `${alt(ci('Canada'), ci('Sino'), ci('Korean'), ci('EU'), ci('Japan'), ci('non'))}-${ci('U')}\\.${ci('S')}`, `${ci('U')}\\.${ci('S')}\\.-${alt(`${ci('U')}\\.${ci('S')}\\.${ci('S')}\\.${ci('R')}`, `${ci('U')}\\.${ci('K')}`)}`];
const ACRO2 = alt('[A-Za-z](?:\\.[A-Za-z])+', ...ACRO_ALTS.slice(1));
// ACRO2 first: JavaScript takes the first alternative that fits, the lexer the longest.
const HTHING = `[A-Za-z0-9][A-Za-z0-9.,\\u00AD]*(?:-(?:${ACRO2}\\.|[A-Za-z0-9\\u00AD]+))+`;
const REDAUX = `${APOS}(?:[msdMSD]|${ci('re')}|${ci('ve')}|${ci('ll')})`;
const SWORD = '[A-Za-z\\u00AD]*[A-MO-Za-mo-z](?:\\u00AD)*';
const SREDAUX = `${ci('n')}${APOSETCETERA}${ci('t')}`;
const L = `[${LETTER_CHARS}]`;
const APOWORD = [
  `${APOS}${ci('n')}${APOS}?`,
  `[lLdDjJ]${APOS}`,
  `${ci('Dunkin')}${APOS}`,
  `${ci('somethin')}${APOS}`,
  `${ci('ol')}${APOS}`,
  `${APOS}${ci('em')}`,
  `[A-HJ-XZn]${APOSETCETERA}${L}{2}${L}*`,
  `${APOS}[2-9]0s`,
  `${APOS}${ci('till')}?`,
  `${L}${L}*[aeiouyAEIOUY]${APOSETCETERA}[aeiouA-Z]${L}*`,
  `${APOS}${ci('cause')}`,
  `${ci("cont'd")}\\.?`,
  ci("'twas"),
  ci("nor'easter"),
  ci("c'mon"),
  ci("e'er"),
  ci("s'mores"),
  ci("ev'ry"),
  ci("li'l"),
  ci("nat'l"),
  `${ci('O')}${APOSETCETERA}${ci('o')}`,
];
const APOWORD2 = `${ci('y')}${APOS}`;
const FULLURL = `${ci('http')}${ci('s')}?:\\/\\/[^ \\t\\n\\f\\r"<>|(){}]+[^ \\t\\n\\f\\r"<>|.!?(){},-]`;
const URL_PATH = '(?:\\/[^ \\t\\n\\f\\r"<>|()]+[^ \\t\\n\\f\\r"<>|.!?(){},-])?';
const LIKELYURL = [
  `${ci('www')}\\.(?:[^ \\t\\n\\f\\r"<>|.!?(){},]+\\.)+[a-zA-Z]{2,4}${URL_PATH}`,
  `(?:[^ \\t\\n\\f\\r"\`'<>|.!?(){},-_$]+\\.)+${alt(ci('com'), ci('net'), ci('org'), ci('edu'))}${URL_PATH}`,
];
const EMAIL = `(?:&${ci('lt')};|<)?[a-zA-Z0-9][^ \\t\\n\\f\\r"<>|()\\u00A0{}]*@(?:[^ \\t\\n\\f\\r"<>|(){}.\\u00A0]+\\.)*(?:[^ \\t\\n\\f\\r"<>|(){}.\\u00A0]+)(?:&${ci('gt')};|>)?`;
const TWITTER = ['@[a-zA-Z_][a-zA-Z_0-9]*', `#${LETTER}+`];
const ABMONTH = alt(...['Jan', 'Feb', 'Mar', 'Apr', 'Jun', 'Jul', 'Aug', 'Sept', 'Sep', 'Oct', 'Nov', 'Dec'].map(ci));
const ABDAYS = alt(...['Mon', 'Tues', 'Tue', 'Wed', 'Thurs', 'Thu', 'Fri'].map(ci));
const ABSTATE = alt(
  ...['Ala', 'Ariz', '[A]z', '[A]rk', 'Calif', 'Colo', 'Conn', 'Ct', 'Dak', '[D]el', 'Fla', 'Ga', '[I]ll', 'Ind', 'Kans?', 'Ky', '[L]a', '[M]ass', 'Md', 'Mich', 'Minn', '[M]iss', 'Mo', 'Mont', 'Neb', 'Nev', 'Okla', '[O]re', '[P]a', 'Penn', 'Tenn', '[T]ex', 'Va', 'Vt', '[W]ash', 'Wisc?', 'Wyo'].map(
    (s) => (s.startsWith('[') ? s.slice(0, 3) + ci(s.slice(3)) : s.endsWith('?') ? `${ci(s.slice(0, -2))}${ci(s.slice(-2, -1))}?` : ci(s)),
  ),
);
const ABCOMP = alt(ci('Inc'), `${ci('Co')}${ci('s')}?`, ci('Corp'), `${ci('P')}${ci('p')}?${ci('t')}[ye]${ci('s')}?`, ci('Ltd'), ci('Plc'), ci('Rt'), ci('Bancorp'), ci('Bhd'), ci('Assn'), ci('Univ'), ci('Intl'), ci('Sys'));
const ABNUM = alt(ci('tel'), ci('est'), ci('ext'), ci('sq'));
const ABPTIT = alt(ci('Jr'), ci('Sr'), ci('Bros'), `${alt(ci('Ed'), ci('Ph'))}\\.${ci('D')}`, ci('Blvd'), ci('Rd'), ci('Esq'));
const ABBREV1 = `${alt(ABMONTH, ABDAYS, ABSTATE, ABCOMP, ABNUM, ABPTIT, ci('etc'), ci('al'), ci('seq'), ci('Bldg'))}\\.`;
const ABTITLE = alt(
  ...['Mrs', 'Mr', 'Ms', '[M]iss', 'Drs?', 'Profs?', 'Sens?', 'Reps?', 'Attys?', 'Lt', 'Col', 'Gen', 'Messrs', 'Govs?', 'Adm', 'Rev', 'Maj', 'Sgt', 'Cpl', 'Pvt', 'Capt', 'Ste?', 'Ave', 'Pres', 'Lieut', 'Hon', 'Brig', 'Co?mdr', 'Pfc', 'Spc', 'Supts?', 'Det', 'Mt', 'Ft', 'Adj', 'Adv', 'Asst', 'Assoc', 'Ens', 'Insp', 'Mlle', 'Mme', 'Msgr', 'Sfc'].map(
    (s) => {
      if (s.startsWith('[')) return s.slice(0, 3) + ci(s.slice(3));
      if (s === 'Co?mdr') return `${ci('C')}${ci('o')}?${ci('mdr')}`;
      if (s.endsWith('?')) return `${ci(s.slice(0, -2))}${ci(s.slice(-2, -1))}?`;
      return ci(s);
    },
  ),
);
const ABCOMP2 = alt(ci('Invt'), ci('Elec'), ci('Natl'), `${ci('M')}[ftFT]${ci('g')}`, ci('Dept'));
const ABBREV4_WORDS = [ABTITLE, ci('vs'), ci('Alex'), ci('Wm'), ci('Jos'), ci('Cie'), `${ci('a')}\\.${ci('k')}\\.${ci('a')}`, ci('cf'), ci('TREAS'), ci('Ph'), ABCOMP2];
const ABBREV4 = [...ABBREV4_WORDS, ...ACRO_ALTS];
const ABBREV3 = `${alt(ci('ca'), `${ci('fig')}${ci('s')}?`, ci('prop'), `${ci('no')}${ci('s')}?`, ci('art'), ci('bldg'), ci('pp'), ci('op'))}\\.`;
const PHONE = [
  '(?:\\([0-9]{2,3}\\)[ \\u00A0]?|(?:\\+\\+?)?(?:[0-9]{2,4}[\\- \\u00A0])?[0-9]{2,4}[\\- \\u00A0])[0-9]{3,4}[\\- \\u00A0]?[0-9]{3,5}',
  '(?:(?:\\+\\+?)?[0-9]{2,4}\\.)?[0-9]{2,4}\\.[0-9]{3,4}\\.[0-9]{3,5}',
];
const LDOTS = ['\\.{3,5}', '(?:\\.[ \\u00A0]){2,4}\\.', '[\\u0085\\u2026]'];
const FNMARKS = ['@+', '#+', '_+'];
const ASTS = ['\\*+', '(?:\\\\\\*){1,3}'];
const INSENTP = '[,;:\\u3001]';
const QUOTES = [APOS, "''", '[`\\u2018\\u2019\\u201A\\u201B\\u201C\\u201D\\u0091\\u0092\\u0093\\u0094\\u201E\\u201F\\u2039\\u203A\\u00AB\\u00BB]{1,2}'];
const DBLQUOT = `(?:"|&${ci('quot')};)`;
const TBSPEC = [
  `-${alt(ci('RRB'), ci('LRB'), ci('RCB'), ci('LCB'), ci('RSB'), ci('LSB'))}-`,
  `${ci('C')}\\.${ci('D')}\\.${ci('s')}`,
  `${ci('pro')}-`,
  `${ci('anti')}-`,
  `${ci('S')}(?:&|${SPAMP})${ci('P')}-500`,
  `${ci('S')}(?:&|${SPAMP})${ci('Ls')}`,
  `${ci('Cap')}${APOS}${ci('n')}`,
  `${ci('c')}${APOS}${ci('est')}`,
];
const TBSPEC2 = `${APOS}[0-9][0-9]`;
const SMILEY = "[<>]?[:;=][\\-o*']?[()DPdpO\\\\{@|[\\]]";
const ASIANSMILEY = [
  '[\\^x=~<>]\\.\\[\\^x=~<>]',
  "[\\-\\^x=~<>']_[\\-\\^x=~<>']",
  "\\([\\-\\^x=~<>'][_.]?[\\-\\^x=~<>']\\)",
  "\\([\\^x=~<>']-[\\^x=~<>'`]\\)",
];
const MISCSYMBOL =
  '[+%&~\\^|\\\\\\u00A6\\u00A7\\u00A8\\u00A9\\u00AC\\u00AE\\u00AF\\u00B0-\\u00B3\\u00B4-\\u00BA\\u00D7\\u00F7\\u0387\\u05BE\\u05C0\\u05C3\\u05C6\\u05F3\\u05F4\\u0600-\\u0603\\u0606-\\u060A\\u060C\\u0614\\u061B\\u061E\\u066A\\u066D\\u0703-\\u070D\\u07F6\\u07F7\\u07F8\\u0964\\u0965\\u0E4F\\u1FBD\\u2016\\u2017\\u2020-\\u2023\\u2030-\\u2038\\u203B\\u203E-\\u2042\\u2044\\u207A-\\u207F\\u208A-\\u208E\\u2100-\\u214F\\u2190-\\u21FF\\u2200-\\u2BFF\\u3012\\u30FB\\uFF01-\\uFF0F\\uFF1A-\\uFF20\\uFF3B-\\uFF40\\uFF5B-\\uFF65\\uFF65]';
// Words after which an acronym's period also ends the sentence (first letter case-sensitive, as in the source).
const ACRONYM_FOLLOWERS = alt(
  ...['About', 'According', 'Additionally', 'After', 'An', 'A', 'As', 'At', 'But', 'Earlier', 'He', 'Her', 'Here', 'However', 'If', 'In', 'It', 'Last', 'Many', 'More', 'Mr.', 'Ms.', 'Now', 'Once', 'One', 'Other', 'Our', 'She', 'Since', 'So', 'Some', 'Such', 'That', 'The', 'Their', 'Then', 'There', 'These', 'They', 'This', 'We', 'When', 'While', 'What', 'Yet', 'You']
    .sort((a, b) => b.length - a.length)
    .map((w) => `[${w[0]}]${ci(w.slice(1))}`),
  SGML,
);

// ---- Rules, in PTBLexer.flex order

/** What a rule does with its match. */
type Action =
  | { kind: 'token'; map?: (text: string) => string }
  | { kind: 'pushback'; keep: number }
  | { kind: 'skip' }
  | { kind: 'newline' }
  | { kind: 'acronym' }
  | { kind: 'abbrev1-split' };

interface Rule {
  /** Alternatives of the consumed part; the longest wins. */
  alts: string[];
  /** Trailing context (not consumed, but counted for the longest match). */
  context?: string;
  action: Action;
}

const removeSoftHyphens = (s: string) => {
  if (!s.includes('\u00ad')) return s;
  const out = s.replace(/\u00ad/g, '');
  return out === '' ? '-' : out;
};
const normalizeAmp = (s: string) => s.replace(/&amp;/gi, '&');
const spaceToNbsp = (s: string) => s.replace(/ /g, '\u00a0');
const parens = (s: string) => s.replace(/\(/g, '-LRB-').replace(/\)/g, '-RRB-');

/** PTBLexer's `latexQuotes(tok, probablyLeft)`. */
function latexQuotes(s: string, probablyLeft: boolean): string {
  let t = probablyLeft ? s.replace(/&apos;|'/g, '`').replace(/"|&quot;/g, '``') : s.replace(/&apos;|'/g, "'").replace(/"|&quot;/g, "''");
  t = t.replace(/[\u0091\u2018\u201B\u2039]/g, '`').replace(/[\u0092\u2019\u203A]/g, "'");
  return t.replace(/[\u0093\u201C\u00AB]/g, '``').replace(/[\u0094\u201D\u00BB]/g, "''");
}

const FRACTIONS: Record<string, string> = { '\u00bc': '1/4', '\u00bd': '1/2', '\u00be': '3/4', '\u2153': '1/3', '\u2154': '2/3' };

function normalizeCurrency(s: string): string {
  return s.replace(/\u00a2/g, 'cents').replace(/\u00a3/g, '#').replace(/[\u0080\u00a4\u20a0\u20ac]/g, '$');
}

const tok = (map?: (text: string) => string): Action => ({ kind: 'token', map });
const BRACKETS: [string, string][] = [
  ['\\{', '-LCB-'],
  ['\\}', '-RCB-'],
  ['\\[', '-LSB-'],
  ['\\]', '-RSB-'],
  ['\\(', '-LRB-'],
  ['\\)', '-RRB-'],
];

const RULES: Rule[] = [
  { alts: [`${ci('c')}[+][+]`], action: tok() },
  { alts: [`${alt(ci('c'), ci('f'))}#`], action: tok() },
  { alts: [ci('cannot')], action: { kind: 'pushback', keep: 3 } },
  { alts: [ci("'twas")], action: { kind: 'pushback', keep: 2 } },
  { alts: [ci("'tis")], action: { kind: 'pushback', keep: 2 } },
  { alts: ['gonna', 'gotta', 'lemme', 'gimme', 'wanna'].map(ci), action: { kind: 'pushback', keep: 3 } },
  { alts: [SGML], action: tok(spaceToNbsp) },
  { alts: SPMDASH, action: tok(() => '--') },
  { alts: [SPAMP], action: tok(normalizeAmp) },
  { alts: [SPPUNC], action: tok() },
  { alts: [WORD], context: REDAUX, action: tok(removeSoftHyphens) },
  { alts: [SWORD], context: SREDAUX, action: tok(removeSoftHyphens) },
  { alts: [WORD], action: tok(removeSoftHyphens) },
  { alts: APOWORD, action: tok() },
  { alts: [APOWORD2], context: L, action: tok() },
  { alts: [FULLURL], action: tok() },
  { alts: LIKELYURL, action: tok() },
  { alts: [EMAIL], action: tok() },
  { alts: TWITTER, action: tok() },
  { alts: [REDAUX], context: '[^A-Za-z]', action: tok((s) => latexQuotes(s, false)) },
  { alts: [SREDAUX], context: '[^A-Za-z]', action: tok((s) => latexQuotes(s, false)) },
  { alts: [DATE], action: tok() },
  { alts: NUMBER, action: tok(removeSoftHyphens) },
  { alts: [SUBSUPNUM], action: tok() },
  { alts: [FRAC], action: tok(spaceToNbsp) },
  { alts: [FRAC2], action: tok((s) => FRACTIONS[s] ?? s) },
  { alts: TBSPEC, action: tok(normalizeAmp) },
  { alts: [THING3], action: tok() },
  { alts: DOLSIGN, action: tok() },
  { alts: [DOLSIGN2], action: tok(normalizeCurrency) },
  { alts: ACRO_ALTS.map((a) => `(?:${a})\\.`), context: `${SPACENLS}${ACRONYM_FOLLOWERS}${SPACENL}`, action: { kind: 'acronym' } },
  { alts: [ABBREV3], context: `${SPACENL}?[${DIGIT_CHARS}]`, action: tok() },
  { alts: [`${alt(`${ci('pt')}[eyEY]`, ci('co'))}\\.`], context: `${SPACE}${alt(ci('ltd'), ci('lim'))}`, action: tok() },
  { alts: [ABBREV1], context: SENTEND, action: { kind: 'abbrev1-split' } },
  { alts: [ABBREV1], context: '[\\s\\S][\\s\\S]', action: tok() },
  { alts: [ABBREV1], action: { kind: 'abbrev1-split' } },
  { alts: ABBREV4.map((a) => `(?:${a})\\.`), action: tok() },
  { alts: ABBREV4, context: SPACE, action: tok() },
  { alts: ACRO_ALTS, context: SPACENL, action: tok() },
  { alts: [TBSPEC2], context: SPACENL, action: tok() },
  { alts: [FILENAME], context: `(?:${SPACENL}|[.?!,])`, action: tok() },
  { alts: [`${WORD}\\.`], context: INSENTP, action: tok(removeSoftHyphens) },
  { alts: PHONE, action: tok((s) => parens(spaceToNbsp(s))) },
  { alts: [DBLQUOT], context: '[A-Za-z0-9$]', action: tok((s) => latexQuotes(s, true)) },
  { alts: [DBLQUOT], action: tok((s) => latexQuotes(s, false)) },
  { alts: ['\\x7f'], action: { kind: 'skip' } },
  { alts: ['<', `&${ci('lt')};`], action: tok(() => '<') },
  { alts: ['>', `&${ci('gt')};`], action: tok(() => '>') },
  { alts: [SMILEY], context: '[^A-Za-z0-9]', action: tok(parens) },
  { alts: ASIANSMILEY, action: tok(parens) },
  ...BRACKETS.map(([re, out]): Rule => ({ alts: [re], action: tok(() => out) })),
  { alts: ['\\-+'], action: tok((s) => (s.length >= 3 && s.length <= 4 ? '--' : s)) },
  { alts: LDOTS, action: tok(() => '...') },
  { alts: FNMARKS, action: tok() },
  { alts: ASTS, action: tok() },
  { alts: [INSENTP], action: tok() },
  { alts: ['[?!]+'], action: tok() },
  { alts: ['[.\\u00A1\\u00BF\\u037E\\u0589\\u061F\\u06D4\\u0700-\\u0702\\u07FA\\u3002]'], action: tok() },
  { alts: ['='], action: tok() },
  { alts: ['\\/'], action: tok() },
  { alts: [`${HTHING}\\.`], context: INSENTP, action: tok(removeSoftHyphens) },
  { alts: [HTHING], action: tok(removeSoftHyphens) },
  { alts: [`${THING}\\.`], context: INSENTP, action: tok() },
  { alts: [THING], action: tok() },
  { alts: [`${THINGA}\\.`], context: INSENTP, action: tok(normalizeAmp) },
  { alts: [THINGA], action: tok(normalizeAmp) },
  { alts: ["'"], context: '[A-Za-z][^ \\t\\n\\r\\u00A0]', action: tok((s) => latexQuotes(s, true)) },
  { alts: [REDAUX], action: tok((s) => latexQuotes(s, false)) },
  { alts: [SREDAUX], action: tok((s) => latexQuotes(s, false)) },
  { alts: QUOTES, action: tok((s) => latexQuotes(s, false)) },
  { alts: ['<<', '>>'], action: tok() },
  { alts: [MISCSYMBOL], action: tok() },
  { alts: ['\\u0000', `${SPACE}+`, '[\\u200B\\u200E-\\u200F\\uFEFF]'], action: { kind: 'skip' } },
  { alts: [NEWLINE], action: { kind: 'newline' } },
  { alts: [`&${ci('nbsp')};`], action: { kind: 'skip' } },
  // Anything else is untokenizable and deleted (the default `untokenizable=firstDelete`).
  { alts: ['[^\\n]'], action: { kind: 'skip' } },
];

interface CompiledRule {
  res: RegExp[];
  action: Action;
}

const COMPILED: CompiledRule[] = RULES.map((r) => ({
  res: r.alts.map((a) => new RegExp(`(${a})${r.context ? `(?=(${r.context}))` : ''}`, 'y')),
  action: r.action,
}));

/** A lexed token, or a line break (`null`). */
type Lexeme = string | null;

// Fast paths, equivalent to the full rule set: a run of ASCII letters followed by a space, line break or the end
// always lexes to itself (every rule that can match it returns the text unchanged), except the words the
// assimilation rules split; a run of spaces and tabs is always skipped.
const PLAIN_WORD = /[A-Za-z]+(?=[ \t\n]|$)/y;
const ASSIMILATIONS = new Set(['cannot', 'gonna', 'gotta', 'lemme', 'gimme', 'wanna']);
const BLANKS = /[ \t]+/y;

/** Runs the PTB lexer over `text`; line breaks come back as `null`. */
export function ptbLex(text: string): Lexeme[] {
  const out: Lexeme[] = [];
  let pos = 0;
  while (pos < text.length) {
    BLANKS.lastIndex = pos;
    if (BLANKS.test(text)) {
      pos = BLANKS.lastIndex;
      continue;
    }
    PLAIN_WORD.lastIndex = pos;
    const plain = PLAIN_WORD.exec(text);
    if (plain && !ASSIMILATIONS.has(plain[0].toLowerCase())) {
      out.push(plain[0]);
      pos += plain[0].length;
      continue;
    }
    let bestTotal = -1;
    let bestLen = 0;
    let bestRule: CompiledRule | null = null;
    for (const rule of COMPILED) {
      for (const re of rule.res) {
        re.lastIndex = pos;
        const m = re.exec(text);
        if (!m) continue;
        const total = m[1].length + (m[2]?.length ?? 0);
        if (total > bestTotal && m[1].length > 0) {
          bestTotal = total;
          bestLen = m[1].length;
          bestRule = rule;
        }
      }
    }
    if (!bestRule) throw new Error(`PTB lexer stuck at offset ${pos}`);
    const matched = text.slice(pos, pos + bestLen);
    const a = bestRule.action;
    let consumed = bestLen;
    switch (a.kind) {
      case 'token':
        out.push(a.map ? a.map(matched) : matched);
        break;
      case 'pushback':
        consumed = a.keep;
        out.push(matched.slice(0, a.keep));
        break;
      case 'skip':
        break;
      case 'newline':
        out.push(null);
        break;
      case 'acronym':
        // "I." before a sentence start gives "I" and "."; longer acronyms keep their period and repeat it.
        if (matched.length === 2) {
          consumed = 1;
          out.push(matched.slice(0, 1));
        } else {
          consumed = bestLen - 1;
          out.push(matched);
        }
        break;
      case 'abbrev1-split':
        consumed = bestLen - 1;
        out.push(matched);
        break;
    }
    pos += consumed;
  }
  return out;
}

/** The tokens pycocoevalcap removes after tokenizing. */
export const COCO_PUNCTUATIONS: ReadonlySet<string> = new Set([
  "''",
  "'",
  '``',
  '`',
  '-LRB-',
  '-RRB-',
  '-LCB-',
  '-RCB-',
  '.',
  '?',
  '!',
  ',',
  ':',
  '-',
  '--',
  '...',
  ';',
]);

/**
 * pycocoevalcap's `PTBTokenizer.tokenize`: joins the captions with newlines, runs the PTB tokenizer with
 * `-preserveLines -lowerCase` over all of them at once (rules may look across lines), splits the output back
 * into lines, and drops punctuation tokens. Returns one tokenized string per caption.
 */
export function cocoTokenize(captions: readonly string[]): string[] {
  const text = captions.map((c) => c.replace(/\n/g, ' ')).join('\n');
  const lines: string[][] = [[]];
  for (const t of ptbLex(text)) {
    if (t === null) lines.push([]);
    else lines[lines.length - 1].push(t.toLowerCase());
  }
  // zip() in the original: extra output lines are ignored, missing ones leave captions without tokens.
  return captions.map((_, i) => {
    const line = lines[i];
    if (!line) return '';
    return line.filter((w) => !COCO_PUNCTUATIONS.has(w)).join(' ');
  });
}
