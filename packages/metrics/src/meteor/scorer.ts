// METEOR 1.5 scoring (edu.cmu.meteor.scorer): sufficient statistics per segment (best reference by score),
// corpus statistics summed like MeteorStats.addStats, and the final F-mean with fragmentation penalty.
import { Aligner, type Alignment, type MeteorModule } from './aligner.js';
import { FUNCTION_WORDS_EN, METEOR_EN } from './english.js';
import { normalizeMeteorEn } from './normalizer.js';
import type { ParaphraseTable } from './paraphrase.js';
import { stemEnglish } from './stemmer.js';
import { SynonymDictionary } from './wordnet.js';

/** METEOR's sufficient statistics for one segment or a whole corpus (MeteorStats). */
export interface MeteorStats {
  testLength: number;
  referenceLength: number;
  testFunctionWords: number;
  referenceFunctionWords: number;
  /** Per module, in module order. */
  testContent: number[];
  referenceContent: number[];
  testFunction: number[];
  referenceFunction: number[];
  chunks: number;
  testWordMatches: number;
  referenceWordMatches: number;
}

/** A METEOR score with its components. */
export interface MeteorResult {
  precision: number;
  recall: number;
  fMean: number;
  fragPenalty: number;
  score: number;
}

export interface MeteorOptions {
  /** Modules in order (default: exact, stem, synonym, and paraphrase when a table is given). */
  modules?: readonly MeteorModule[];
  /** alpha, beta, gamma, delta (default METEOR 1.5 English "rank"). */
  parameters?: readonly [number, number, number, number];
  /** Scoring weight per module (default 1.0, 0.6, 0.8, 0.6 in exact/stem/synonym/paraphrase order). */
  weights?: readonly number[];
  /** `norm`: METEOR's -norm (tokenize, normalize punctuation, lowercase; default); `lower`: -lower; `none`. */
  normalize?: 'norm' | 'lower' | 'none';
  /** Synonym dictionary (default: read WordNet from /usr/share/wordnet when the synonym module is on). */
  synonyms?: SynonymDictionary;
  /** WordNet dict folder for the synonym module (default /usr/share/wordnet). */
  wordnetDir?: string;
  paraphrases?: ParaphraseTable;
  beamSize?: number;
}

const totalMatches = (s: MeteorStats, side: 'test' | 'reference') =>
  s[`${side}Content`].reduce((a, b) => a + b, 0) + s[`${side}Function`].reduce((a, b) => a + b, 0);

/** Statistics of one alignment (MeteorScorer.getMeteorStats(Alignment), word level). */
export function alignmentStats(a: Alignment): MeteorStats {
  return {
    testLength: a.words1.length,
    referenceLength: a.words2.length,
    testFunctionWords: a.functionWords1,
    referenceFunctionWords: a.functionWords2,
    testContent: [...a.contentMatches1],
    referenceContent: [...a.contentMatches2],
    testFunction: [...a.functionMatches1],
    referenceFunction: [...a.functionMatches2],
    chunks: a.chunks,
    testWordMatches: a.contentMatches1.reduce((x, y) => x + y, 0) + a.functionMatches1.reduce((x, y) => x + y, 0),
    referenceWordMatches: a.contentMatches2.reduce((x, y) => x + y, 0) + a.functionMatches2.reduce((x, y) => x + y, 0),
  };
}

/** Statistics with every count zero, for `modules` modules. */
export function emptyStats(modules: number): MeteorStats {
  const z = () => new Array<number>(modules).fill(0);
  return {
    testLength: 0,
    referenceLength: 0,
    testFunctionWords: 0,
    referenceFunctionWords: 0,
    testContent: z(),
    referenceContent: z(),
    testFunction: z(),
    referenceFunction: z(),
    chunks: 0,
    testWordMatches: 0,
    referenceWordMatches: 0,
  };
}

/** Adds `s` into `into` like MeteorStats.addStats: segments that match perfectly in one chunk add no chunks. */
export function addStats(into: MeteorStats, s: MeteorStats): void {
  into.testLength += s.testLength;
  into.referenceLength += s.referenceLength;
  into.testFunctionWords += s.testFunctionWords;
  into.referenceFunctionWords += s.referenceFunctionWords;
  for (const key of ['testContent', 'referenceContent', 'testFunction', 'referenceFunction'] as const) {
    while (into[key].length < s[key].length) into[key].push(0);
    s[key].forEach((v, i) => (into[key][i] += v));
  }
  const perfect = totalMatches(s, 'test') === s.testLength && totalMatches(s, 'reference') === s.referenceLength && s.chunks === 1;
  if (!perfect) into.chunks += s.chunks;
  into.testWordMatches += s.testWordMatches;
  into.referenceWordMatches += s.referenceWordMatches;
}

/** MeteorScorer.computeMetrics. */
export function computeMeteor(
  s: MeteorStats,
  parameters: readonly number[] = METEOR_EN.parameters,
  weights: readonly number[] = METEOR_EN.moduleWeights,
): MeteorResult {
  const [alpha, beta, gamma, delta] = parameters;
  const n = Math.min(weights.length, s.testContent.length);
  const testWL = delta * (s.testLength - s.testFunctionWords) + (1.0 - delta) * s.testFunctionWords;
  const refWL = delta * (s.referenceLength - s.referenceFunctionWords) + (1.0 - delta) * s.referenceFunctionWords;
  let testWM = 0;
  let refWM = 0;
  for (let i = 0; i < n; i++) testWM += s.testContent[i] * weights[i] * delta;
  for (let i = 0; i < n; i++) refWM += s.referenceContent[i] * weights[i] * delta;
  for (let i = 0; i < n; i++) testWM += s.testFunction[i] * weights[i] * (1.0 - delta);
  for (let i = 0; i < n; i++) refWM += s.referenceFunction[i] * weights[i] * (1.0 - delta);
  const precision = testWM / testWL;
  const recall = refWM / refWL;
  const fMean = 1.0 / ((1.0 - alpha) / precision + alpha / recall);
  const perfect = totalMatches(s, 'test') === s.testLength && totalMatches(s, 'reference') === s.referenceLength && s.chunks === 1;
  const frag = perfect ? 0 : s.chunks / ((s.testWordMatches + s.referenceWordMatches) / 2);
  const fragPenalty = gamma * Math.pow(frag, beta);
  const score = fMean * (1.0 - fragPenalty);
  return { precision, recall, fMean, fragPenalty, score: Number.isNaN(score) ? 0 : Math.max(score, 0.0) };
}

/** METEOR 1.5 for English: normalization, alignment against each reference, corpus aggregation. */
export class Meteor {
  readonly modules: readonly MeteorModule[];
  readonly parameters: readonly number[];
  readonly weights: readonly number[];
  private readonly aligner: Aligner;
  private readonly normalize: 'norm' | 'lower' | 'none';

  constructor(opts: MeteorOptions = {}) {
    this.modules = opts.modules ?? (opts.paraphrases ? ['exact', 'stem', 'synonym', 'paraphrase'] : ['exact', 'stem', 'synonym']);
    this.parameters = opts.parameters ?? METEOR_EN.parameters;
    const defaults: Record<MeteorModule, number> = { exact: 1.0, stem: 0.6, synonym: 0.8, paraphrase: 0.6 };
    this.weights = opts.weights ?? this.modules.map((m) => defaults[m]);
    if (this.weights.length !== this.modules.length) throw new Error(`${this.modules.length} modules but ${this.weights.length} weights`);
    this.normalize = opts.normalize ?? 'norm';
    const synonyms = this.modules.includes('synonym') ? (opts.synonyms ?? SynonymDictionary.fromWordNet(opts.wordnetDir)) : undefined;
    this.aligner = new Aligner({
      modules: this.modules,
      weights: this.modules.map((m) => (m === 'exact' ? 1.0 : 0.5)),
      beamSize: opts.beamSize ?? METEOR_EN.beamSize,
      functionWords: FUNCTION_WORDS_EN,
      stem: stemEnglish,
      synonyms,
      paraphrases: opts.paraphrases,
    });
  }

  /** The text METEOR aligns: normalized (-norm) and/or lowercased. */
  prepare(line: string): string {
    if (this.normalize === 'none') return line;
    return (this.normalize === 'norm' ? normalizeMeteorEn(line, true) : line).toLowerCase();
  }

  /** Statistics of `hypothesis` against its best reference (highest segment score, first on ties). */
  segmentStats(hypothesis: string, references: readonly string[]): MeteorStats & MeteorResult {
    const test = this.prepare(hypothesis);
    let best: (MeteorStats & MeteorResult) | null = null;
    for (const r of references) {
      const stats = alignmentStats(this.aligner.align(test, this.prepare(r)));
      const res = computeMeteor(stats, this.parameters, this.weights);
      if (best === null || res.score > best.score) best = { ...stats, ...res };
    }
    if (best === null) throw new Error('METEOR needs at least one reference per segment');
    return best;
  }

  /** Corpus METEOR from summed statistics, and the segment scores. */
  corpusScore(hypotheses: readonly string[], references: readonly (readonly string[])[]): MeteorResult & { segments: number[] } {
    if (hypotheses.length !== references.length) throw new Error(`${hypotheses.length} hypotheses but ${references.length} reference groups`);
    const agg = emptyStats(this.modules.length);
    const segments: number[] = [];
    hypotheses.forEach((h, i) => {
      const s = this.segmentStats(h, references[i]);
      segments.push(s.score);
      addStats(agg, s);
    });
    return { ...computeMeteor(agg, this.parameters, this.weights), segments };
  }
}
