// METEOR's synonym dictionary, built at run time from a WordNet 3.0 `dict` folder (Debian: `wordnet-base`).
// METEOR 1.5 ships english.synsets/.exceptions made by scripts/build_wordnet_files.py from WordNet 3.0; we read
// the same information from the dictionary itself: lemma -> synset offsets, inflected form -> base forms.
import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';

/** Where Debian and Ubuntu install WordNet 3.0 (`apt-get install wordnet-base`). */
export const DEFAULT_WORDNET_DIR = '/usr/share/wordnet';

const POS = ['noun', 'verb', 'adj', 'adv'] as const;

/** Thrown when the WordNet dictionary is missing or unreadable; says how to install it. */
export class WordNetMissingError extends Error {
  override name = 'WordNetMissingError';
}

/**
 * Debian's wordnet-base patches two synsets (one verb pointer added and one removed, one adjective gloss
 * fixed), which moves the byte offsets that serve as synset ids in between. METEOR's files were built from the
 * unpatched Princeton release, and METEOR compares ids across parts of speech (a noun and a verb synset can share
 * a number), so we map the patched offsets back. Each fix applies only if the file has the patched layout.
 */
const DEBIAN_OFFSET_FIXES = [
  { pos: 'verb', check: 613036, from: 612841, to: 2422967, delta: -18 },
  { pos: 'adj', check: 1681478, from: 1681307, to: Infinity, delta: -1 },
] as const;

function lineStartsWithOffset(file: string, offset: number): boolean {
  if (!existsSync(file)) return false;
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(9);
    const n = readSync(fd, buf, 0, 9, offset);
    return n === 9 && buf.toString('latin1') === `${String(offset).padStart(8, '0')} `;
  } finally {
    closeSync(fd);
  }
}

/** Word -> synsets and inflected form -> bases, with METEOR's `getSynSets` / `getStemSynSets` lookups. */
export class SynonymDictionary {
  constructor(
    readonly wordToSynsets: ReadonlyMap<string, readonly number[]>,
    readonly wordToBases: ReadonlyMap<string, readonly string[]>,
  ) {}

  /** Reads `index.{noun,verb,adj,adv}` and `{noun,verb,adj,adv}.exc` from a WordNet 3.0 dict folder (cached per folder). */
  static fromWordNet(dir: string = DEFAULT_WORDNET_DIR): SynonymDictionary {
    let dict = LOADED.get(dir);
    if (!dict) LOADED.set(dir, (dict = SynonymDictionary.read(dir)));
    return dict;
  }

  private static read(dir: string): SynonymDictionary {
    const missing = [...POS.map((p) => `index.${p}`), ...POS.map((p) => `${p}.exc`)].filter((f) => !existsSync(join(dir, f)));
    if (missing.length) {
      throw new WordNetMissingError(
        `WordNet 3.0 dictionary not found in ${dir} (missing ${missing.join(', ')}): METEOR's synonym module needs it. ` +
          'Install it (Debian/Ubuntu: apt-get install wordnet-base) or give its dict folder (--wordnet DIR).',
      );
    }
    const fixes = DEBIAN_OFFSET_FIXES.filter((f) => lineStartsWithOffset(join(dir, `data.${f.pos}`), f.check));
    const synsets = new Map<string, number[]>();
    for (const pos of POS) {
      const posFixes = fixes.filter((f) => f.pos === pos);
      const text = readFileSync(join(dir, `index.${pos}`), 'latin1');
      for (let start = 0; start < text.length; ) {
        let end = text.indexOf('\n', start);
        if (end < 0) end = text.length;
        if (end > start && text.charCodeAt(start) !== 32) {
          // lemma pos synset_cnt p_cnt [ptr_symbol...] sense_cnt tagsense_cnt synset_offset...
          const t = text.slice(start, end).split(' ');
          const synsetCount = Number(t[2]);
          const first = 4 + Number(t[3]) + 2;
          let list = synsets.get(t[0]);
          if (!list) synsets.set(t[0], (list = []));
          for (let k = first; k < first + synsetCount; k++) {
            let offset = Number(t[k]);
            for (const f of posFixes) if (offset > f.from && offset < f.to) offset += f.delta;
            if (!list.includes(offset)) list.push(offset);
          }
        }
        start = end + 1;
      }
    }
    const bases = new Map<string, string[]>();
    for (const pos of POS) {
      for (const line of readFileSync(join(dir, `${pos}.exc`), 'latin1').split('\n')) {
        const t = line.split(/\s+/).filter(Boolean);
        for (const base of t.slice(1)) {
          const list = bases.get(t[0]);
          if (list) list.push(base);
          else bases.set(t[0], [base]);
        }
      }
    }
    return new SynonymDictionary(synsets, bases);
  }

  getSynSets(word: string): readonly number[] {
    return this.wordToSynsets.get(word) ?? EMPTY;
  }

  /** Synsets of the base forms: from the exception lists, else from WordNet's suffix rules (`morph`). */
  getStemSynSets(word: string): readonly number[] {
    const bases = this.wordToBases.get(word);
    if (bases) return bases.flatMap((b) => this.getSynSets(b));
    return this.getSynSets(this.morph(word));
  }

  /** WordNet 3's morphological rules as METEOR applies them: the first suffix rule that yields a known lemma. */
  morph(word: string): string {
    // METEOR computes a "ful" remainder it never uses, then still appends "ful" to the result.
    const end = word.endsWith('ful') ? 'ful' : '';
    if (word.endsWith('ss') || word.length <= 2) return word;
    for (let i = 0; i < SUFFIXES.length; i++) {
      if (!word.endsWith(SUFFIXES[i])) continue;
      const base = word.slice(0, word.length - SUFFIXES[i].length) + ENDINGS[i];
      if (this.wordToSynsets.has(base)) return base + end;
    }
    return '';
  }
}

const EMPTY: readonly number[] = [];
const LOADED = new Map<string, SynonymDictionary>();
// WordNet's detachment rules: noun, verb and adjective suffixes and what replaces them.
const SUFFIXES = ['s', 'ses', 'xes', 'zes', 'ches', 'shes', 'men', 'ies', 's', 'ies', 'es', 'es', 'ed', 'ed', 'ing', 'ing', 'er', 'est', 'er', 'est'];
const ENDINGS = ['', 's', 'x', 'z', 'ch', 'sh', 'man', 'y', '', 'y', 'e', '', 'e', '', 'e', '', '', '', 'e', 'e'];
