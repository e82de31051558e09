// A synthetic data set in the style of E2E NLG, generated from a seed, so the default `nx run nlg:e2e` needs no
// download: meaning representations over E2E's eight attributes (`name : X | Type : pub | …`) and several
// template-built references each, pre-tokenised like the E2E files (`£ 20 - 25`, `child - friendly`, ` .`).
// The names are invented. Train, validation and test use disjoint MRs.
import { Rng } from '@lorats/experiment';
import type { NlgExample } from './formatted.js';

export interface SyntheticE2EOptions {
  seed: number;
  /**
   * `mr`: E2E's `name : X | Type : pub | …`; `triples`: WebNLG-style `X : eatType : pub | X : food : Italian`
   * (`lowercase` predicates for DART). Default `mr`.
   */
  format?: 'mr' | 'triples';
  lowercasePredicates?: boolean;
  /** Venue types that appear only in the test split, marked `cate: false` (WebNLG's unseen categories). */
  unseenTypes?: readonly string[];
  /** Distinct MRs per split. */
  trainMrs: number;
  validMrs: number;
  testMrs: number;
  /** References per MR: uniform in [min, max]. */
  refsPerMr: readonly [number, number];
}

export const SYNTHETIC_E2E_DEFAULTS: SyntheticE2EOptions = { seed: 2021, trainMrs: 600, validMrs: 60, testMrs: 60, refsPerMr: [3, 6] };

const FIRST = ['The Copper', 'The Green', 'The Silver', 'Blue', 'The Old', 'Golden', 'The Little', 'Red', 'The Wild', 'Northern'];
const SECOND = ['Kettle', 'Lantern', 'Oak', 'Harbour', 'Fox', 'Anchor', 'Meadow', 'Bell', 'Garden', 'Lion'];
const TYPES = ['coffee shop', 'pub', 'restaurant'];
const FOODS = ['Chinese', 'English', 'Fast food', 'French', 'Indian', 'Italian', 'Japanese'];
const PRICES = ['cheap', 'less than £ 20', '£ 20 - 25', 'moderate', 'high', 'more than £ 30'];
const RATINGS = ['1 out of 5', '3 out of 5', '5 out of 5', 'low', 'average', 'high'];
const AREAS = ['city centre', 'riverside'];

interface Mr {
  name: string;
  type?: string;
  food?: string;
  price?: string;
  rating?: string;
  area?: string;
  family?: boolean;
  near?: string;
}

const a = (word: string): string => (/^[AEIOUaeiou]/.test(word) ? `an ${word}` : `a ${word}`);
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.int(xs.length)];

function randomMr(rng: Rng, names: readonly string[]): Mr {
  const name = pick(rng, names);
  const mr: Mr = { name };
  if (rng.next() < 0.75) mr.type = pick(rng, TYPES);
  if (rng.next() < 0.7) mr.food = pick(rng, FOODS);
  if (rng.next() < 0.5) mr.price = pick(rng, PRICES);
  if (rng.next() < 0.55) mr.rating = pick(rng, RATINGS);
  if (rng.next() < 0.7) mr.area = pick(rng, AREAS);
  if (rng.next() < 0.6) mr.family = rng.next() < 0.5;
  if (rng.next() < 0.45) {
    let near = pick(rng, names);
    while (near === name) near = pick(rng, names);
    mr.near = near;
  }
  return mr;
}

/** The MR as `subject : predicate : object` triples (WebNLG property names). */
export function formatTriples(mr: Mr, lowercase = false): string {
  const t: Array<[string, string]> = [];
  if (mr.type) t.push(['eatType', mr.type]);
  if (mr.food) t.push(['food', mr.food]);
  if (mr.price) t.push(['priceRange', mr.price]);
  if (mr.rating) t.push(['customerRating', mr.rating]);
  if (mr.area) t.push(['area', mr.area]);
  if (mr.family !== undefined) t.push(['familyFriendly', mr.family ? 'yes' : 'no']);
  if (mr.near) t.push(['near', mr.near]);
  if (t.length === 0) t.push(['type', 'venue']);
  return t.map(([p, o]) => `${mr.name} : ${lowercase ? p.toLowerCase() : p} : ${o}`).join(' | ');
}

/** `name : X | Type : pub | food : Italian | price : cheap | customer rating : high | area : … | family friendly : yes | near : Y`. */
export function formatMr(mr: Mr): string {
  const parts = [`name : ${mr.name}`];
  if (mr.type) parts.push(`Type : ${mr.type}`);
  if (mr.food) parts.push(`food : ${mr.food}`);
  if (mr.price) parts.push(`price : ${mr.price}`);
  if (mr.rating) parts.push(`customer rating : ${mr.rating}`);
  if (mr.area) parts.push(`area : ${mr.area}`);
  if (mr.family !== undefined) parts.push(`family friendly : ${mr.family ? 'yes' : 'no'}`);
  if (mr.near) parts.push(`near : ${mr.near}`);
  return parts.join(' | ');
}

function priceClause(rng: Rng, price: string): string {
  if (['cheap', 'moderate', 'high'].includes(price)) {
    return pick(rng, [`${price === 'high' ? 'high' : price} prices`, `${a(price)} price range`, `${price} - priced food`]);
  }
  return pick(rng, [`prices ${price}`, `a price range of ${price}`, `meals for ${price}`]);
}

function ratingClause(rng: Rng, rating: string): string {
  return rating.includes('out of')
    ? pick(rng, [`a customer rating of ${rating}`, `a rating of ${rating}`, `${rating} stars from customers`])
    : pick(rng, [`${a(rating)} customer rating`, `${rating} ratings from customers`, `${a(rating)} rating`]);
}

/** One reference sentence for `mr`, built from shuffled clause templates. */
function realize(rng: Rng, mr: Mr): string {
  const what = `${mr.food && rng.next() < 0.5 ? `${mr.food} ` : ''}${mr.type ?? pick(rng, ['place', 'venue', 'establishment'])}`;
  const foodSaid = what.startsWith(mr.food ?? '\u0000');
  const head = pick(rng, [
    `${mr.name} is ${a(what)}`,
    `There is ${a(what)} called ${mr.name}`,
    `${mr.name} , ${a(what)} ,`,
  ]);
  const clauses: string[] = [];
  if (mr.food && !foodSaid) clauses.push(pick(rng, [`serving ${mr.food} food`, `that serves ${mr.food} food`, `offering ${mr.food} dishes`]));
  if (mr.price) clauses.push(`with ${priceClause(rng, mr.price)}`);
  if (mr.rating) clauses.push(`with ${ratingClause(rng, mr.rating)}`);
  if (mr.area) clauses.push(pick(rng, [`in the ${mr.area}`, `located in the ${mr.area} area`, `in the ${mr.area} area`]));
  if (mr.family !== undefined) {
    clauses.push(
      mr.family
        ? pick(rng, ['that is family friendly', 'which is child - friendly', 'that welcomes children'])
        : pick(rng, ['that is not family friendly', 'which is not child - friendly', 'that does not welcome children']),
    );
  }
  if (mr.near) clauses.push(pick(rng, [`near ${mr.near}`, `close to ${mr.near}`, `not far from ${mr.near}`]));
  rng.shuffle(clauses);
  const body = clauses.length > 2 && rng.next() < 0.5 ? `${clauses.slice(0, -1).join(' ')} and ${clauses[clauses.length - 1]}` : clauses.join(' ');
  const sentence = `${head}${body ? ` ${body}` : ''}`.replace(/ ,$/, '');
  return `${sentence} .`;
}

/** Generates train/valid/test splits with disjoint MRs; deterministic for a given options object. */
export function generateSyntheticE2E(options: SyntheticE2EOptions = SYNTHETIC_E2E_DEFAULTS): Record<'train' | 'valid' | 'test', NlgExample[]> {
  const rng = new Rng(options.seed);
  const names = FIRST.flatMap((a) => SECOND.map((b) => `${a} ${b}`));
  const seen = new Set<string>();
  const unseen = new Set(options.unseenTypes ?? []);
  const tracksCategories = unseen.size > 0;
  const split = (count: number, allowUnseen: boolean): NlgExample[] => {
    const out: NlgExample[] = [];
    let guard = 0;
    while (out.length === 0 || new Set(out.map((e) => e.context)).size < count) {
      if (++guard > count * 100) throw new Error(`synthetic E2E: could not draw ${count} distinct MRs`);
      const mr = randomMr(rng, names);
      const isUnseen = mr.type !== undefined && unseen.has(mr.type);
      if (isUnseen && !allowUnseen) continue;
      const context = options.format === 'triples' ? formatTriples(mr, options.lowercasePredicates) : formatMr(mr);
      if (seen.has(context)) continue;
      seen.add(context);
      const [lo, hi] = options.refsPerMr;
      const refs = lo + rng.int(hi - lo + 1);
      const texts = new Set<string>();
      for (let i = 0; i < refs * 4 && texts.size < refs; i++) texts.add(realize(rng, mr));
      const category = mr.type ?? 'venue';
      for (const completion of texts) out.push({ context, completion, ...(tracksCategories ? { cate: !isUnseen, category } : {}) });
    }
    return out;
  };
  return { train: split(options.trainMrs, false), valid: split(options.validMrs, false), test: split(options.testMrs, true) };
}

/** The examples as E2E `MR||text` lines (with the trailing space the E2E files have). */
export function formatE2ELines(examples: readonly NlgExample[]): string {
  return examples.map((e) => `${e.context}||${e.completion} \n`).join('');
}
