import { describe, expect, it } from 'vitest';
import { NLG_DEFAULTS, type NlgConfig } from './config.js';
import { evaluateNlg } from './evaluate.js';
import { groupByContext } from './references.js';

const E2E = [
  { context: 'name : The Eagle | food : French', completion: 'The Eagle serves French food in the city centre .' },
  { context: 'name : The Eagle | food : French', completion: 'French food is served at The Eagle .' },
  { context: 'name : The Mill | area : riverside', completion: 'The Mill is a pub by the riverside near the station .' },
];
const WEBNLG = [
  { context: 'A : genre : Rock', completion: 'A plays Rock music, loudly and often.', cate: true },
  { context: 'B : city : Paris', completion: 'B is located in the city of Paris.', cate: false },
  { context: 'B : city : Paris', completion: 'B lies in Paris, France.', cate: false },
];
const multi: NlgConfig = { ...NLG_DEFAULTS, task: 'webnlg', evaluate: { refNum: 6, tokenize: true, lower: true } };

describe('evaluateNlg', () => {
  it('scores E2E outputs equal to a reference as perfect, on the paper’s scale', () => {
    const groups = groupByContext(E2E);
    groups.forEach((g) => (g.hypothesis = `${g.references[0]}<|endoftext|>`));
    const { metrics } = evaluateNlg(groups, NLG_DEFAULTS);
    expect(metrics.bleu).toBeCloseTo(100, 6);
    expect(metrics.rouge_l).toBeCloseTo(100, 6);
    expect(metrics.meteor).toBeGreaterThan(95);
    expect(Object.keys(metrics).sort()).toEqual(['bleu', 'cider', 'meteor', 'nist', 'rouge_l']);
    groups[1].hypothesis = 'something else entirely , with other words here .';
    expect(evaluateNlg(groups, NLG_DEFAULTS).metrics.bleu).toBeLessThan(90);
  });

  it('scores WebNLG on all, seen and unseen categories (BLEU 0–100, METEOR and TER fractions)', () => {
    const groups = groupByContext(WEBNLG);
    groups.forEach((g) => (g.hypothesis = g.references[0]));
    const s = evaluateNlg(groups, multi);
    expect(Object.keys(s.splits!).sort()).toEqual(['all', 'seen', 'unseen']);
    expect(s.metrics).toEqual(s.splits!.all);
    expect(s.metrics.bleu).toBeCloseTo(100, 4);
    expect(s.metrics.ter).toBeCloseTo(0, 6);
    expect(s.metrics.meteor).toBeGreaterThan(0.95);
    expect(s.metrics.meteor).toBeLessThanOrEqual(1);
  });

  it('leaves the metrics empty and says why when the scorer cannot define them', () => {
    const groups = groupByContext(E2E);
    groups.forEach((g) => (g.hypothesis = 'a'));
    const s = evaluateNlg(groups, NLG_DEFAULTS);
    expect(s.metrics).toEqual({});
    expect(s.notes[0]).toMatch(/^metrics undefined for these outputs: NIST is undefined/);
  });

  it('refuses groups without a hypothesis', () => {
    expect(() => evaluateNlg(groupByContext(E2E), NLG_DEFAULTS)).toThrow(/has no hypothesis/);
  });
});
