// METEOR 1.5's English settings (edu.cmu.meteor.util.Constants and resources/, cmu-mtlab/meteor, LGPL 2.1).

/** Module weights and parameters of the default task ("rank") for English. */
export const METEOR_EN = {
  /** alpha, beta, gamma, delta. */
  parameters: [0.85, 0.2, 0.6, 0.75] as const,
  /** Scoring weights of the exact, stem, synonym and paraphrase modules. */
  moduleWeights: [1.0, 0.6, 0.8, 0.6] as const,
  /** Alignment weights the scorer gives the aligner (exact 1, every other module 0.5). */
  alignmentWeights: [1.0, 0.5, 0.5, 0.5] as const,
  beamSize: 40,
};

/** resources/function/english.words: tokens counted as function words (weight 1 - delta). */
export const FUNCTION_WORDS_EN: ReadonlySet<string> = new Set([
  'the', ',', '.', 'to', 'of', 'and', 'a', 'in', 'that', 'for', '"', 'is', 'on', "'s", 'it', 'with', 'was', 'as', 'said',
  'at', 'he', 'by', 'be', 'from', 'have', 'has', 'are', 'his', 'but', 'an', 'this', 'not', 'i', 'will', '\u2019', 'they',
  ')', '-rrb-', '(', '-lrb-', 'who', 'their', 'had', 'we', 'which', 'were', 'been', 'more', 'or', 's', 'its', 'would',
  'about', 'new', 'one', 'after', 'you', ':', 'also', 'up', 'when', 'there', 'than', '$', 'all', 'out', 'her', 'people',
  'she', 'year', 'two', '-', 'can', 'if', 'last', 'first', '\u201c', 'over', 'other', '\u201d', 'into', 'some', 'what',
  'so', '--', 'no', 'time', 'years', 'could', '?', "'t", '\u2014', "'",
]);

/** resources/nonbreaking/english.prefixes: `true` marks prefixes that stay attached only before a number. */
export const NONBREAKING_PREFIXES_EN: ReadonlyMap<string, boolean> = new Map([
  ...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'.split('').map((c): [string, boolean] => [c, false]),
  ...'Adj Adm Adv Asst Bart Bldg Brig Bros Capt Cmdr Col Comdr Con Corp Cpl DR Dr Drs Ens Gen Gov Hon Hr Hosp Insp Lt MM MR MRS MS Maj Messrs Mlle Mme Mr Mrs Ms Msgr Op Ord Pfc Ph Prof Pvt Rep Reps Res Rev Rt Sen Sens Sfc Sgt Sr St Supt Surg v vs i.e rev e.g Nos Nr'
    .split(' ')
    .map((w): [string, boolean] => [w, false]),
  ['No', true],
  ['Art', true],
  ['pp', true],
]);
