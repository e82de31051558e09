// BLEU and NIST as e2e-metrics' `mteval/mteval-v13a-sig.pl` computes them (measure_scores.py without -p):
// the references and outputs are written to SGML the way measure_scores.py writes them and read back with the
// script's own regular expressions, then scored with its n-gram information weights and brevity penalties.
import { mtevalNormalize, perlSplitWords } from './mteval-tokenizer.js';
import { nistLengthPenaltyPerl } from './nist.js';
import { PERL_WHITESPACE } from './text.js';

/** n-gram orders the script counts (it scores BLEU at 4 and NIST at 5). */
const MAX_NGRAM = 9;
const WS = `[${PERL_WHITESPACE}]`;

/** measure_scores.py's `create_mteval_file`: one `<doc>` per reference slot, missing references padded with ''. */
export function mtevalSgml(data: readonly (readonly string[])[], fileType: 'ref' | 'tst' | 'src'): string {
  const slots: string[][] = [[]];
  data.forEach((inst, instNo) => {
    if (inst.length === 0) throw new Error(`segment ${instNo + 1} has no ${fileType === 'ref' ? 'reference' : 'text'}`);
    inst.forEach((text, refNo) => {
      if (slots.length <= refNo) slots.push(new Array<string>(instNo).fill(''));
      slots[refNo].push(text);
    });
    for (let refNo = inst.length; refNo < slots.length; refNo++) slots[refNo].push('');
  });
  const set = `${fileType}set`;
  let out = `<${set} setid="e2e" srclang="any" trglang="en">\n`;
  slots.forEach((slot, k) => {
    const sysid = fileType + (slots.length === 1 ? '' : `_${k}`);
    out += `<doc docid="test" genre="news" origlang="any" sysid="${sysid}">\n<p>\n`;
    slot.forEach((text, i) => (out += `<seg id="${i + 1}">${text}</seg>\n`));
    out += '</p>\n</doc>\n';
  });
  return `${out}</${set}>`;
}

/** The script's `extract_sgml_tag_and_span` applied repeatedly: every `<name ...>span</name>` in order. */
function sgmlSpans(name: string, data: string): { tag: string; span: string }[] {
  const re = new RegExp(`<${name}${WS}*([^>]*)>([\\s\\S]*?)</${name}${WS}*>`, 'gi');
  return [...data.matchAll(re)].map((m) => ({ tag: m[1], span: m[2] }));
}

function sgmlAttribute(name: string, tag: string): string | undefined {
  return new RegExp(`${name}${WS}*=${WS}*"([^"]*)"`, 'i').exec(tag)?.[1];
}

type Docs = Map<string, Map<string, Map<string, string>>>; // system -> document -> segment id -> tokens

/** The script's `get_MT_data` for SGML (non-.xml) files: system -> doc -> seg -> normalized text. */
function readMtData(setTag: string, data: string, asciiLowercase: boolean): Docs {
  const docs: Docs = new Map();
  for (const set of sgmlSpans(setTag, data)) {
    for (const doc of sgmlSpans('Doc', set.span)) {
      const sys = sgmlAttribute('SysID', doc.tag) ?? '';
      const docId = sgmlAttribute('DocID', doc.tag) ?? '';
      const span = doc.span.replace(new RegExp(`${WS}+`, 'g'), ' ');
      const segs = new Map<string, string>();
      for (const seg of sgmlSpans('Seg', span)) {
        segs.set(sgmlAttribute('id', seg.tag) ?? '', mtevalNormalize(seg.span, { whitespace: 'perl', asciiLowercase }));
      }
      if (!docs.has(sys)) docs.set(sys, new Map());
      (docs.get(sys) as Map<string, Map<string, string>>).set(docId, segs);
    }
  }
  return docs;
}

/** The script's `Words2Ngrams`: counts of all 1..9-grams, keys space-joined. */
function words2Ngrams(words: readonly string[]): Map<string, number> {
  const count = new Map<string, number>();
  for (let start = 0; start < words.length; start++) {
    let ngram = '';
    for (let j = 0; j < MAX_NGRAM && start + j < words.length; j++) {
      ngram = j === 0 ? words[start] : `${ngram} ${words[start + j]}`;
      count.set(ngram, (count.get(ngram) ?? 0) + 1);
    }
  }
  return count;
}

const wordCount = (ngram: string) => ngram.split(' ').length;

/** Corpus BLEU (fraction) and NIST from mteval-v13a-sig.pl, as measure_scores.py runs it. */
export function mtevalV13a(
  references: readonly (readonly string[])[],
  hypotheses: readonly string[],
  opts: { caseSensitive?: boolean } = {},
): { bleu: number; nist: number } {
  if (references.length !== hypotheses.length) {
    throw new Error(`${hypotheses.length} system outputs but ${references.length} reference groups`);
  }
  const lower = !opts.caseSensitive;
  const refData = readMtData('RefSet', mtevalSgml(references, 'ref'), lower);
  const tstData = readMtData('TstSet', mtevalSgml(hypotheses.map((h) => [h]), 'tst'), lower);

  // compute_ngram_info: information weights from every reference segment.
  const ngramCount = new Map<string, number>();
  let totWords = 0;
  for (const docs of refData.values()) {
    for (const segs of docs.values()) {
      for (const seg of segs.values()) {
        const words = perlSplitWords(seg, 'perl');
        totWords += words.length;
        for (const [g, c] of words2Ngrams(words)) ngramCount.set(g, (ngramCount.get(g) ?? 0) + c);
      }
    }
  }
  const info = new Map<string, number>();
  for (const [g, c] of ngramCount) {
    const cut = g.lastIndexOf(' ');
    const mgram = cut < 0 ? '' : g.slice(0, cut);
    // Perl treats the prefix "0" as false, like the empty prefix of a unigram.
    const denom = mgram !== '' && mgram !== '0' ? (ngramCount.get(mgram) as number) : totWords;
    info.set(g, -Math.log(c / denom) / Math.log(2));
  }

  const refSys = [...refData.keys()].sort();
  const tstSys = [...tstData.keys()].sort()[0];
  const zeros = () => new Array<number>(MAX_NGRAM + 1).fill(0);
  let refLength = 0;
  let refCount = 0;
  let segCount = 0;
  const match = zeros();
  const tstCnt = zeros();
  const refCnt = zeros();
  const tstInfo = zeros();
  for (const [doc, segs] of [...(tstData.get(tstSys) ?? new Map<string, Map<string, string>>())].sort()) {
    const ids = [...segs.keys()].sort((a, b) => Number(a) - Number(b));
    segCount += ids.length;
    for (const id of ids) {
      const tst = perlSplitWords(segs.get(id) as string, 'perl');
      const tstNgrams = words2Ngrams(tst);
      for (let j = 1; j <= MAX_NGRAM; j++) tstCnt[j] += j <= tst.length ? tst.length - j + 1 : 0;
      const refMax = new Map<string, number>();
      let segRefLength: number | undefined;
      for (const ref of refSys) {
        const text = refData.get(ref)?.get(doc)?.get(id) ?? '';
        if (text !== '') refCount++;
        const words = perlSplitWords(text, 'perl');
        for (const [g, c] of words2Ngrams(words)) refMax.set(g, Math.max(refMax.get(g) ?? 0, c));
        for (let j = 1; j <= MAX_NGRAM; j++) refCnt[j] += j <= words.length ? words.length - j + 1 : 0;
        segRefLength = segRefLength === undefined ? words.length : closestLength(segRefLength, words.length, tst.length);
      }
      refLength += segRefLength ?? 0;
      for (const [g, c] of tstNgrams) {
        const r = refMax.get(g);
        if (r === undefined) continue;
        const n = wordCount(g);
        const m = Math.min(c, r);
        tstInfo[n] += (info.get(g) as number) * m;
        match[n] += m;
      }
    }
  }
  return { bleu: bleuScore(refLength, match, tstCnt), nist: nistScore(refCount / segCount, tstCnt, refCnt, tstInfo) };
}

/** The script's `brevity_penalty_closest`: the closer length, the shorter on ties; empty references skipped. */
function closestLength(current: number, ref: number, candidate: number): number {
  if (!ref) return current;
  const dr = Math.abs(candidate - ref);
  const dc = Math.abs(candidate - current);
  if (dr < dc) return ref;
  if (dr === dc && current > ref) return ref;
  return current;
}

/** The script's smoothed `bleu_score`, cumulative 4-gram value. */
function bleuScore(refLength: number, match: readonly number[], tst: readonly number[]): number {
  const expLen = tst[1] > 0 ? Math.exp(Math.min(0, 1 - refLength / tst[1])) : 0;
  let smooth = 1;
  let score = 0;
  for (let j = 1; j <= 4; j++) {
    let iscore: number;
    if (tst[j] === 0) iscore = 0;
    else if (match[j] === 0) {
      smooth *= 2;
      iscore = Math.log(1 / (smooth * tst[j]));
    } else iscore = Math.log(match[j] / tst[j]);
    score += iscore;
  }
  return Math.exp(score / 4) * expLen;
}

/** The script's `nist_score`, cumulative 5-gram value. */
function nistScore(nsys: number, tst: readonly number[], ref: readonly number[], tstInfo: readonly number[]): number {
  let score = 0;
  for (let n = 1; n <= 5; n++) score += tstInfo[n] / Math.max(tst[n], 1);
  return score * nistLengthPenaltyPerl(tst[1] / (ref[1] / nsys));
}
