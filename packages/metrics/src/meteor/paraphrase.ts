// METEOR's paraphrase module data: a paraphrase table (METEOR's `paraphrase-en.gz` format: blocks of three lines,
// probability / phrase / paraphrase) held as a trie from phrases to paraphrase indices (ParaphraseTransducer).
import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { javaTokenize } from '../text.js';

interface State {
  trans: Map<number, State>;
  emit: number[];
}

const newState = (): State => ({ trans: new Map(), emit: [] });

/** A loaded paraphrase table. */
export class ParaphraseTable {
  private readonly vocab = new Map<string, number>();
  private readonly root = newState();
  private readonly paraphrases: Int32Array[] = [];

  /** Adds one `phrase -> paraphrase` entry (tokens separated by whitespace). */
  add(phrase: string, paraphrase: string): void {
    const ref = javaTokenize(phrase).map((w) => this.map(w));
    const par = Int32Array.from(javaTokenize(paraphrase), (w) => this.map(w));
    let s = this.root;
    for (const w of ref) {
      let next = s.trans.get(w);
      if (!next) s.trans.set(w, (next = newState()));
      s = next;
    }
    s.emit.push(this.paraphrases.length);
    this.paraphrases.push(par);
  }

  get size(): number {
    return this.paraphrases.length;
  }

  private map(w: string): number {
    let id = this.vocab.get(w);
    if (id === undefined) this.vocab.set(w, (id = this.vocab.size));
    return id;
  }

  /** Word id in the table's vocabulary, or -1. */
  translate(word: string): number {
    return this.vocab.get(word) ?? -1;
  }

  /** `[phraseLength, paraphraseIndex, ...]` for every table phrase starting at `words[start]`. */
  paths(words: Int32Array, start: number): number[] {
    const out: number[] = [];
    let s: State | undefined = this.root;
    for (let i = 0; i < words.length - start; i++) {
      s = s.trans.get(words[start + i]);
      if (!s) break;
      for (const j of s.emit) out.push(i + 1, j);
    }
    return out;
  }

  paraphrase(index: number): Int32Array {
    return this.paraphrases[index];
  }
}

/**
 * Loads a paraphrase table (gzip or plain text). With `vocabulary`, entries using any other word are skipped:
 * they can never match, so scores do not change, and memory stays small (METEOR's FilterParaphrase idea).
 */
export async function loadParaphraseTable(path: string, vocabulary?: ReadonlySet<string>): Promise<ParaphraseTable> {
  if (!existsSync(path)) throw new Error(`${path}: paraphrase table not found`);
  const stream = path.endsWith('.gz') ? createReadStream(path).pipe(createGunzip()) : createReadStream(path);
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  const table = new ParaphraseTable();
  const block: string[] = [];
  const known = (s: string) => !vocabulary || javaTokenize(s).every((w) => vocabulary.has(w));
  let lineNo = 0;
  for await (const line of lines) {
    lineNo++;
    block.push(line);
    if (block.length === 3) {
      if (known(block[1]) && known(block[2])) table.add(block[1], block[2]);
      block.length = 0;
    }
  }
  if (block.length !== 0) throw new Error(`${path}: line ${lineNo}: incomplete entry (a table has blocks of three lines)`);
  return table;
}
