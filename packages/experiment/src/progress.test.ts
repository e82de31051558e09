import { describe, expect, it } from 'vitest';
import { formatDuration, ProgressBar } from './progress.js';
import { lossCurveSvg, niceTicks } from './loss-curve-svg.js';

describe('ProgressBar', () => {
  it('shows loss, tokens/s and ETA from its clock', () => {
    let now = 0;
    const out: string[] = [];
    const bar = new ProgressBar({ total: 100, label: 'train', stream: { write: (s) => out.push(s) }, now: () => now, logEverySeconds: 5 });
    now = 10_000;
    bar.update(25, { loss: 2.5, tokens: 5000 });
    expect(out).toHaveLength(1);
    expect(out[0]).toContain('25/100');
    expect(out[0]).toContain('loss 2.5000');
    expect(out[0]).toContain('500 tok/s');
    expect(out[0]).toContain('ETA 30s');
    now = 11_000;
    bar.update(26, { loss: 2.4, tokens: 10 });
    expect(out).toHaveLength(1);
    now = 60_000;
    bar.update(100, { loss: 1.0, tokens: 0 });
    expect(out[out.length - 1]).toContain('done');
    bar.finish();
    expect(out).toHaveLength(2);
  });

  it('redraws in place on a terminal', () => {
    const out: string[] = [];
    const bar = new ProgressBar({ total: 2, stream: { write: (s) => out.push(s), isTTY: true }, now: () => 0 });
    bar.update(1);
    expect(out[0].startsWith('\r')).toBe(true);
    bar.finish();
    expect(out[out.length - 1].endsWith('\n')).toBe(true);
  });

  it('formats durations', () => {
    expect(formatDuration(42)).toBe('42s');
    expect(formatDuration(185)).toBe('3m05s');
    expect(formatDuration(3720)).toBe('1h02m');
    expect(formatDuration(NaN)).toBe('--');
  });
});

describe('lossCurveSvg', () => {
  it('draws one polyline per series with every finite point', () => {
    const svg = lossCurveSvg(
      [
        { name: 'train', points: [[1, 3], [2, 2], [3, NaN], [4, 1.5]] },
        { name: 'valid <1>', points: [[2, 2.5], [4, 2]] },
      ],
      { title: 'e2e', xLabel: 'step', yLabel: 'loss' },
    );
    expect(svg.startsWith('<svg')).toBe(true);
    const lines = [...svg.matchAll(/<polyline[^>]*points="([^"]*)"/g)].map((m) => m[1].split(' ').length);
    expect(lines).toEqual([3, 2]);
    expect(svg).toContain('valid &lt;1&gt;');
  });

  it('picks round tick values', () => {
    expect(niceTicks(0, 10)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(1.13, 3.9)).toEqual([1.5, 2, 2.5, 3, 3.5]);
  });
});
