import { describe, expect, it } from 'vitest';
import { deriveSeed, Rng } from './rng.js';

describe('Rng', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = Array.from({ length: 5 }, ((r) => () => r.nextUint32())(new Rng(42)));
    const b = Array.from({ length: 5 }, ((r) => () => r.nextUint32())(new Rng(42)));
    const c = Array.from({ length: 5 }, ((r) => () => r.nextUint32())(new Rng(43)));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('resumes exactly from a saved state', () => {
    const r = new Rng(7);
    for (let i = 0; i < 10; i++) r.next();
    const saved = r.state();
    const expected = [r.next(), r.int(10), r.normal()];
    const s = Rng.fromState(saved);
    expect([s.next(), s.int(10), s.normal()]).toEqual(expected);
  });

  it('draws permutations and bounded integers', () => {
    const r = new Rng(1);
    const p = r.permutation(100);
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(p).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
    const counts = new Array(3).fill(0);
    for (let i = 0; i < 3000; i++) counts[r.int(3)]++;
    for (const c of counts) expect(c).toBeGreaterThan(850);
    const xs = Array.from({ length: 2000 }, () => r.next());
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(() => r.int(0)).toThrow(/integer/);
    expect(() => Rng.fromState([1, 2])).toThrow(/four uint32/);
  });

  it('derives distinct seeds for distinct labels', () => {
    const seeds = new Set<number>();
    for (let step = 0; step < 1000; step++) seeds.add(deriveSeed(110, 'dropout', step));
    seeds.add(deriveSeed(110, 'shuffle', 0));
    seeds.add(deriveSeed(111, 'dropout', 0));
    expect(seeds.size).toBe(1002);
    expect(deriveSeed(110, 'dropout', 5)).toBe(deriveSeed(110, 'dropout', 5));
  });
});
