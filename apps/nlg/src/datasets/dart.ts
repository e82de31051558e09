// DART (Nan et al. 2021): JSON entries `{tripleset: [[s, p, o], …], annotations: [{source, text}, …]}` or the
// release's XML (`<entry><modifiedtripleset><mtriple>s | p | o</mtriple>…<lex comment=source>text</lex>`), converted as
// format_converting_dart.py: context = "s : p : o | …" with only the predicate lowercased, one example per annotation.
import { readFileSync } from 'node:fs';
import type { NlgExample } from './formatted.js';
import { childNamed, childrenNamed, parseXml } from './xml.js';

export type Triple = readonly [string, string, string];

/** `s : p : o | …` with the predicate lowercased (DART) or kept (WebNLG). */
export function linearizeTriples(triples: readonly Triple[], lowercasePredicate: boolean): string {
  return triples.map(([s, p, o]) => `${s} : ${lowercasePredicate ? p.toLowerCase() : p} : ${o}`).join(' | ');
}

/** Splits an XML `s | p | o` triple (the object may itself contain ` | `). */
export function splitTriple(text: string, where: string): Triple {
  const parts = text.trim().split(' | ');
  if (parts.length < 3) throw new Error(`${where}: triple ${JSON.stringify(text)} is not "subject | predicate | object"`);
  return [parts[0], parts[1], parts.slice(2).join(' | ')];
}

/** Parses DART's JSON form. */
export function parseDartJson(text: string, file = 'dart.json'): NlgExample[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(data)) throw new Error(`${file}: expected a JSON list of entries`);
  const out: NlgExample[] = [];
  data.forEach((entry: unknown, i) => {
    const e = entry as { tripleset?: unknown; annotations?: unknown };
    if (!Array.isArray(e?.tripleset) || !Array.isArray(e.annotations)) throw new Error(`${file}: entry ${i} lacks "tripleset" or "annotations"`);
    const triples = e.tripleset.map((t: unknown, j): Triple => {
      if (!Array.isArray(t) || t.length !== 3 || t.some((x) => typeof x !== 'string')) throw new Error(`${file}: entry ${i} triple ${j} is not [s, p, o]`);
      return [t[0], t[1], t[2]];
    });
    const context = linearizeTriples(triples, true);
    for (const [j, a] of (e.annotations as unknown[]).entries()) {
      const text = (a as { text?: unknown })?.text;
      if (typeof text !== 'string') throw new Error(`${file}: entry ${i} annotation ${j} has no "text"`);
      out.push({ context, completion: text });
    }
  });
  return out;
}

/** Parses DART's XML form (`dart-v1.1.1-full-test.xml`). */
export function parseDartXml(text: string, file = 'dart.xml'): NlgExample[] {
  const root = parseXml(text, file);
  const entries = childNamed(root, 'entries');
  if (root.name !== 'benchmark' || !entries) throw new Error(`${file}: expected <benchmark><entries>`);
  const out: NlgExample[] = [];
  for (const entry of childrenNamed(entries, 'entry')) {
    const set = childNamed(entry, 'modifiedtripleset');
    if (!set) throw new Error(`${file}:${entry.line}: <entry> has no <modifiedtripleset>`);
    const triples = childrenNamed(set, 'mtriple').map((t) => splitTriple(t.text, `${file}:${t.line}`));
    const context = linearizeTriples(triples, true);
    for (const lex of childrenNamed(entry, 'lex')) out.push({ context, completion: lexText(lex) });
  }
  return out;
}

/** A `<lex>`'s sentence: its `<text>` child (WebNLG ≥ v1.4) or its own text (challenge / DART XML). */
export function lexText(lex: { text: string; children: Array<{ name: string; text: string }> }): string {
  const t = lex.children.find((c) => c.name === 'text');
  return (t ? t.text : lex.text).trim();
}

/** Reads a DART file by extension (`.json` or `.xml`). */
export function readDart(file: string): NlgExample[] {
  const text = readFileSync(file, 'utf8');
  return file.endsWith('.xml') ? parseDartXml(text, file) : parseDartJson(text, file);
}
