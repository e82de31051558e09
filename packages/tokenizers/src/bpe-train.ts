// Training a byte-level BPE vocabulary (Sennrich et al. 2016, in GPT-2's byte alphabet): start from the 256 byte
// symbols and repeatedly merge the most frequent adjacent pair within the pre-tokenized pieces. Used to make small,
// self-contained vocabularies (the synthetic E2E-style data set, tests) in the same file formats as GPT-2's.
import { ByteLevelBpe, GPT2_SPLIT_PATTERN, bytesToUnicode, bytesToUnicodeOrder } from './byte-level-bpe.js';

/** A byte-level BPE vocabulary: ids 0–255 are the byte symbols in GPT-2's order, then merges, then specials. */
export interface BpeModel {
  vocab: Map<string, number>;
  merges: Array<[string, string]>;
}

export interface TrainBpeOptions {
  /** Final vocabulary size including the 256 byte symbols and the special tokens. */
  vocabSize: number;
  /** Appended after the merged symbols, in order (e.g. `<|endoftext|>`). */
  specialTokens?: readonly string[];
  /** A pair seen fewer times than this is never merged (default 2). */
  minFrequency?: number;
}

/** Learns merges from `texts`; deterministic (ties go to the lexicographically smaller pair). */
export function trainByteLevelBpe(texts: Iterable<string>, options: TrainBpeOptions): BpeModel {
  const specials = options.specialTokens ?? [];
  const minFrequency = options.minFrequency ?? 2;
  const mergeBudget = options.vocabSize - 256 - specials.length;
  if (mergeBudget < 0) throw new Error(`vocabSize ${options.vocabSize} is below 256 byte symbols + ${specials.length} specials`);

  const byteEncoder = bytesToUnicode();
  const utf8 = new TextEncoder();
  const counts = new Map<string, number>();
  for (const text of texts) {
    for (const m of text.matchAll(GPT2_SPLIT_PATTERN)) {
      let mapped = '';
      for (const b of utf8.encode(m[0])) mapped += byteEncoder[b];
      counts.set(mapped, (counts.get(mapped) ?? 0) + 1);
    }
  }
  const words = [...counts].map(([piece, count]) => ({ symbols: [...piece], count }));

  const merges: Array<[string, string]> = [];
  while (merges.length < mergeBudget) {
    const pairCounts = new Map<string, number>();
    for (const w of words) {
      for (let i = 0; i < w.symbols.length - 1; i++) {
        const key = `${w.symbols[i]} ${w.symbols[i + 1]}`;
        pairCounts.set(key, (pairCounts.get(key) ?? 0) + w.count);
      }
    }
    let best: string | undefined;
    let bestCount = 0;
    for (const [key, c] of pairCounts) {
      if (c > bestCount || (c === bestCount && best !== undefined && key < best)) {
        best = key;
        bestCount = c;
      }
    }
    if (best === undefined || bestCount < minFrequency) break;
    const [a, b] = best.split(' ');
    merges.push([a, b]);
    for (const w of words) {
      const next: string[] = [];
      for (let i = 0; i < w.symbols.length; ) {
        if (i < w.symbols.length - 1 && w.symbols[i] === a && w.symbols[i + 1] === b) {
          next.push(a + b);
          i += 2;
        } else next.push(w.symbols[i++]);
      }
      w.symbols = next;
    }
  }

  const vocab = new Map<string, number>();
  for (const [, ch] of bytesToUnicodeOrder()) vocab.set(ch, vocab.size);
  for (const [a, b] of merges) if (!vocab.has(a + b)) vocab.set(a + b, vocab.size);
  for (const s of specials) {
    if (vocab.has(s)) throw new Error(`special token ${JSON.stringify(s)} collides with a learned symbol`);
    vocab.set(s, vocab.size);
  }
  return { vocab, merges };
}

/** The tokenizer of a trained model. */
export function bpeTokenizer(model: BpeModel, specialTokens: readonly string[] = []): ByteLevelBpe {
  return new ByteLevelBpe(model.vocab, model.merges, { specialTokens });
}

/** `encoder.json` text (token → id), as GPT-2 ships it. */
export function formatEncoderJson(model: BpeModel): string {
  return JSON.stringify(Object.fromEntries(model.vocab));
}

/** `vocab.bpe` text: the `#version: 0.2` line, one merge per line, a trailing newline. */
export function formatMerges(model: BpeModel): string {
  return `#version: 0.2\n${model.merges.map(([a, b]) => `${a} ${b}\n`).join('')}`;
}
