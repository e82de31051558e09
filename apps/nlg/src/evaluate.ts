// Scores of the decoded test contexts, with the scorers microsoft/LoRA uses (through @lorats/metrics), on the scale
// the paper prints: E2E with e2e-metrics' measure_scores.py -p (BLEU, METEOR and ROUGE-L ×100; NIST and CIDEr as
// printed); DART and WebNLG with GenerationEval's eval.py -nr 6 (BLEU 0–100, METEOR and TER as fractions) on
// gpt2_decode.py's lowercased, tokenised files, WebNLG also on its seen and unseen categories.
import { padReferences, scoreE2E, scoreWebNLG, WordNetMissingError } from '@lorats/metrics';
import type { NlgConfig } from './config.js';
import { filterGroups, postProcess, cleanText, type ContextGroup } from './references.js';

export interface NlgScores {
  metrics: Record<string, number>;
  splits?: Record<string, Record<string, number>>;
  notes: string[];
}

/** METEOR with WordNet synonyms when the dictionary is installed, else exact + stem matching (noted). */
function withWordNet<T>(score: (modules?: Array<'exact' | 'stem'>) => T, notes: string[]): T {
  try {
    return score();
  } catch (e) {
    if (!(e instanceof WordNetMissingError)) throw e;
    const note = 'METEOR without the synonym module (WordNet 3.0 not installed; apt-get install wordnet-base)';
    if (!notes.includes(note)) notes.push(note);
    return score(['exact', 'stem']);
  }
}

function scoreE2EGroups(groups: readonly ContextGroup[], notes: string[]): Record<string, number> {
  const outputs = groups.map((g) => postProcess(cleanText(g.hypothesis ?? ''), {}));
  const references = groups.map((g) => g.references.map((r) => postProcess(r, {})));
  const s = withWordNet((modules) => scoreE2E({ sources: groups.map((g) => g.context), references, outputs }, modules ? { meteor: { modules } } : {}), notes);
  return { bleu: 100 * s.BLEU, nist: s.NIST, meteor: 100 * s.METEOR, rouge_l: 100 * s.ROUGE_L, cider: s.CIDEr };
}

function scoreMultiRef(groups: readonly ContextGroup[], config: NlgConfig, notes: string[]): Record<string, number> {
  const text = { lower: config.evaluate.lower, tokenize: config.evaluate.tokenize };
  const hyps = groups.map((g) => postProcess(cleanText(g.hypothesis ?? ''), text));
  const refs = padReferences(
    groups.map((g) => g.references.map((r) => postProcess(r, text))),
    config.evaluate.refNum,
  );
  const s = withWordNet((modules) => scoreWebNLG(hyps, refs, modules ? { meteor: { modules } } : {}), notes);
  return { bleu: s.BLEU, meteor: s.METEOR, ter: s.TER };
}

/**
 * Metrics of the decoded groups (each must have a hypothesis). A metric the reference scorer cannot define for these
 * outputs (e.g. NIST when no output has a 3-gram, where measure_scores.py divides by zero) leaves the metrics empty
 * and says why in the notes.
 */
export function evaluateNlg(groups: readonly ContextGroup[], config: NlgConfig): NlgScores {
  const missing = groups.findIndex((g) => g.hypothesis === undefined);
  if (missing >= 0) throw new Error(`evaluateNlg: context ${missing} (${JSON.stringify(groups[missing].context)}) has no hypothesis`);
  try {
    return scoreGroups(groups, config);
  } catch (e) {
    if (e instanceof WordNetMissingError) throw e;
    return { metrics: {}, notes: [`metrics undefined for these outputs: ${(e as Error).message}`] };
  }
}

function scoreGroups(groups: readonly ContextGroup[], config: NlgConfig): NlgScores {
  const notes: string[] = [];
  if (config.task === 'e2e') return { metrics: scoreE2EGroups(groups, notes), notes };
  if (config.task === 'dart') return { metrics: scoreMultiRef(groups, config, notes), notes };
  const splits: Record<string, Record<string, number>> = {};
  for (const split of ['seen', 'unseen', 'all'] as const) {
    const chosen = filterGroups(groups, split);
    if (chosen.length > 0) splits[split] = scoreMultiRef(chosen, config, notes);
  }
  return { metrics: splits.all, splits, notes };
}
