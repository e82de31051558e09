import { describe, expect, it } from 'vitest';
import { formatDelta, formatValue, judge, median, std, superscript } from './format.js';

describe('format', () => {
  it('prints fractions without the leading zero, as the paper prints METEOR and TER', () => {
    expect(formatValue(0.3912, { kind: 'fraction', digits: 2 })).toBe('.39');
    expect(formatDelta(-0.012, { kind: 'fraction', digits: 2 })).toBe('-.01');
  });

  it('prints parameter counts in millions', () => {
    expect(formatValue(887811, { kind: 'params', digits: 2 })).toBe('0.89M');
  });

  it('judges differences by which way the metric is better', () => {
    const f = { kind: 'fraction', digits: 2 } as const;
    expect(judge(-0.02, 'lower', f)).toBe('better');
    expect(judge(0.02, 'lower', f)).toBe('worse');
    expect(judge(0.004, 'lower', f)).toBe('same');
    expect(formatDelta(0.004, f)).toBe('±.00');
    expect(judge(1, null, f)).toBe('');
  });

  it('aggregates like the paper: the median of an even count is the mean of the middle two', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(std([1, 2, 3])).toBe(1);
    expect(std([5])).toBe(0);
  });

  it('numbers notes with superscripts', () => {
    expect(superscript(12)).toBe('¹²');
  });
});
