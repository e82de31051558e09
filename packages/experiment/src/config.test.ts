import { describe, expect, it } from 'vitest';
import { applyOverrides, ConfigError, defineExperiment, mergeConfig, splitOverrideArgs } from './config.js';

const DEFAULTS = {
  model: 'gpt2-medium',
  lora: { rank: 4, alpha: 32, dropout: 0.1 },
  train: { lr: 2e-4, epochs: 5, correctBias: true, maxSteps: null as number | null },
  decode: { beam: 10, eos: [50256, 628] },
  seeds: [110],
};

describe('defineExperiment', () => {
  it('merges a delta into the defaults without touching the defaults', () => {
    const e = defineExperiment(DEFAULTS, { lora: { rank: 8 }, seeds: [1, 2, 3] }, 'e2e/x');
    expect(e.config.lora).toEqual({ rank: 8, alpha: 32, dropout: 0.1 });
    expect(e.config.seeds).toEqual([1, 2, 3]);
    expect(e.id).toBe('e2e/x');
    expect(DEFAULTS.lora.rank).toBe(4);
  });

  it('rejects unknown keys and wrong types, naming the path', () => {
    expect(() => mergeConfig(DEFAULTS, { lora: { rnak: 8 } } as never, 'e2e/x')).toThrow('e2e/x.lora: unknown key "rnak"');
    expect(() => mergeConfig(DEFAULTS, { lora: { rank: '8' } } as never)).toThrow('config.lora.rank: expected number, got string');
    expect(() => mergeConfig(DEFAULTS, { seeds: 3 } as never)).toThrow('config.seeds: expected an array');
  });

  it('lets a null default take any value, and null unset a value', () => {
    expect(mergeConfig(DEFAULTS, { train: { maxSteps: 100 } }).train.maxSteps).toBe(100);
    expect(mergeConfig({ ...DEFAULTS, paper: { table: 'e2e' } as { table: string } | null }, { paper: null }).paper).toBeNull();
  });
});

describe('overrides', () => {
  it('splits --a.b=c and --a.b c from other arguments', () => {
    const { overrides, rest } = splitOverrideArgs(['--lora.rank=8', '--model', 'x', '--train.lr', '1e-3', '--other.key=1'], DEFAULTS);
    expect(overrides).toEqual([
      { path: 'lora.rank', value: '8' },
      { path: 'train.lr', value: '1e-3' },
    ]);
    expect(rest).toEqual(['--model', 'x', '--other.key=1']);
  });

  it('parses values by the type of the current value', () => {
    const c = applyOverrides(DEFAULTS, [
      { path: 'lora.rank', value: '8' },
      { path: 'train.correctBias', value: 'false' },
      { path: 'decode.eos', value: '50256' },
      { path: 'train.maxSteps', value: '20' },
      { path: 'lora', value: '{"alpha": 16}' },
    ]);
    expect(c.lora).toEqual({ rank: 8, alpha: 16, dropout: 0.1 });
    expect(c.train.correctBias).toBe(false);
    expect(c.decode.eos).toEqual([50256]);
    expect(c.train.maxSteps).toBe(20);
  });

  it.each([
    [{ path: 'lora.rnak', value: '8' }, '--lora.rnak: unknown key "lora.rnak"'],
    [{ path: 'lora.rank', value: 'eight' }, '--lora.rank: expected a number, got "eight"'],
    [{ path: 'train.correctBias', value: 'yes' }, '--train.correctBias: expected true or false'],
    [{ path: 'decode.eos', value: '1,x' }, '--decode.eos[1]: expected a number'],
    [{ path: 'nope.x', value: '1' }, 'unknown key "nope"'],
  ])('rejects %j', (override, message) => {
    expect(() => applyOverrides(DEFAULTS, [override])).toThrow(ConfigError);
    expect(() => applyOverrides(DEFAULTS, [override])).toThrow(message);
  });
});
