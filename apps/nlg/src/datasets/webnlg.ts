// WebNLG 2017 (Gardent et al. 2017), as format_converting_webnlg.py converts it: context = "s : p : o | …" from the
// modified triples (properties kept as they are), one example per lexicalisation whose comment is "good", and
// `cate` = whether the category is one of the 10 seen in training (BLEU-S/U/A are computed on those splits).
// Reads LoRA's JSON (`{"entries": [{"1": {...}}, …]}`) and the v1.4 XML corpus (a folder of `<N>triples/<Cat>.xml`).
// The two hold the same entries in the same order, but v1.4's `<text>` is the enriched corpus's edited sentence, which
// differs from the challenge's lexicalisation in about 3% of cases (e.g. stray "@" tokens).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { lexText, linearizeTriples, splitTriple, type Triple } from './dart.js';
import type { NlgExample } from './formatted.js';
import { childNamed, childrenNamed, parseXml } from './xml.js';

/** The categories of the WebNLG 2017 training set. */
export const WEBNLG_SEEN_CATEGORIES: ReadonlySet<string> = new Set([
  'Airport',
  'Astronaut',
  'Building',
  'City',
  'ComicsCharacter',
  'Food',
  'Monument',
  'SportsTeam',
  'University',
  'WrittenWork',
]);

function example(triples: readonly Triple[], text: string, category: string): NlgExample {
  return { context: linearizeTriples(triples, false), completion: text, cate: WEBNLG_SEEN_CATEGORIES.has(category), category };
}

/** Parses LoRA's WebNLG JSON. */
export function parseWebNLGJson(text: string, file = 'webnlg.json'): NlgExample[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
  const entries = (data as { entries?: unknown })?.entries;
  if (!Array.isArray(entries)) throw new Error(`${file}: expected {"entries": [...]}`);
  const out: NlgExample[] = [];
  entries.forEach((wrapper: unknown, i) => {
    const entry = (wrapper as Record<string, unknown>)?.[String(i + 1)] as
      | { category?: unknown; lexicalisations?: unknown; modifiedtripleset?: unknown }
      | undefined;
    if (!entry || typeof entry.category !== 'string' || !Array.isArray(entry.lexicalisations) || !Array.isArray(entry.modifiedtripleset)) {
      throw new Error(`${file}: entries[${i}] lacks key "${i + 1}" with category, lexicalisations and modifiedtripleset`);
    }
    const triples = entry.modifiedtripleset.map((t: unknown, j): Triple => {
      const { subject, property, object } = (t ?? {}) as Record<string, unknown>;
      if (typeof subject !== 'string' || typeof property !== 'string' || typeof object !== 'string') {
        throw new Error(`${file}: entries[${i}] triple ${j} lacks subject/property/object`);
      }
      return [subject, property, object];
    });
    for (const lex of entry.lexicalisations as Array<{ comment?: unknown; lex?: unknown }>) {
      if (lex?.comment === 'good' && typeof lex.lex === 'string') out.push(example(triples, lex.lex, entry.category));
    }
  });
  return out;
}

/** Parses one v1.4 XML file (`<benchmark><entries><entry category=…>`). */
export function parseWebNLGXml(text: string, file = 'webnlg.xml'): NlgExample[] {
  const root = parseXml(text, file);
  const entries = childNamed(root, 'entries');
  if (root.name !== 'benchmark' || !entries) throw new Error(`${file}: expected <benchmark><entries>`);
  const out: NlgExample[] = [];
  for (const entry of childrenNamed(entries, 'entry')) {
    const category = entry.attributes.category;
    const set = childNamed(entry, 'modifiedtripleset');
    if (category === undefined || !set) throw new Error(`${file}:${entry.line}: <entry> needs a category and a <modifiedtripleset>`);
    const triples = childrenNamed(set, 'mtriple').map((t) => splitTriple(t.text, `${file}:${t.line}`));
    for (const lex of childrenNamed(entry, 'lex')) {
      // v1.4's enriched <text> is empty for a few lexicalisations; those are skipped.
      const sentence = lexText(lex);
      if (lex.attributes.comment === 'good' && sentence !== '') out.push(example(triples, sentence, category));
    }
  }
  return out;
}

/** XML files of a v1.4 split folder in corpus order: `1triples` … `7triples`, categories alphabetically. */
export function webnlgXmlFiles(dir: string): string[] {
  const files: string[] = [];
  const sizeOf = (name: string) => Number(/^(\d+)/.exec(name)?.[1] ?? Infinity);
  const visit = (d: string) => {
    const names = readdirSync(d).sort((a, b) => sizeOf(a) - sizeOf(b) || (a < b ? -1 : a > b ? 1 : 0));
    for (const name of names) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) visit(path);
      else if (name.endsWith('.xml')) files.push(path);
    }
  };
  visit(dir);
  return files;
}

/** Reads WebNLG from a LoRA JSON file, one XML file, or a v1.4 split folder. */
export function readWebNLG(path: string): NlgExample[] {
  if (statSync(path).isDirectory()) {
    const files = webnlgXmlFiles(path);
    if (files.length === 0) throw new Error(`${path}: no .xml files`);
    return files.flatMap((f) => parseWebNLGXml(readFileSync(f, 'utf8'), f));
  }
  const text = readFileSync(path, 'utf8');
  return path.endsWith('.xml') ? parseWebNLGXml(text, path) : parseWebNLGJson(text, path);
}
