import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError, type OptionSpec } from './args.js';

const SPECS: OptionSpec[] = [
  { name: 'json', type: 'boolean', description: 'json' },
  { name: 'input', short: 'i', type: 'string', description: 'input' },
  { name: 'metrics', short: 'm', type: 'list', description: 'metrics' },
  { name: 'alpha', type: 'number', description: 'alpha' },
  { name: 'format', short: 'f', type: 'string', choices: ['json', 'text'], default: 'text', description: 'format' },
];

describe('parseArgs', () => {
  it('reads positionals, flags, values, lists and defaults', () => {
    const r = parseArgs(['ref.txt', '-i', 'hyp.txt', '--json', '-m', 'bleu', 'chrf', '--alpha=16', 'ref2.txt'], SPECS);
    expect(r.positionals).toEqual(['ref.txt', 'ref2.txt']);
    expect(r.options).toEqual({ json: true, input: 'hyp.txt', metrics: ['bleu', 'chrf'], alpha: 16, format: 'text' });
  });
  it('accepts negative numbers as values', () => {
    expect(parseArgs(['--alpha', '-3'], SPECS).options.alpha).toBe(-3);
  });
  it.each([
    [['--nope'], /unknown option --nope/],
    [['--input'], /--input needs a value/],
    [['--alpha', 'x'], /--alpha needs a number/],
    [['-f', 'xml'], /-f must be one of json, text/],
    [['-m'], /-m needs at least one value/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseArgs(argv, SPECS)).toThrow(UsageError);
    expect(() => parseArgs(argv, SPECS)).toThrow(message);
  });
});
