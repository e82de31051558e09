import { describe, expect, it } from 'vitest';
import { main } from './cli.js';
import type { Command } from './command.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t) }, out, err };
}

const echo: Command = {
  name: 'echo',
  summary: 'print the positionals',
  usage: '<words…>',
  options: [{ name: 'upper', type: 'boolean', description: 'upper-case' }],
  async run(args, io) {
    const s = args.positionals.join(' ');
    io.stdout((args.options.upper ? s.toUpperCase() : s) + '\n');
    return 0;
  },
};

describe('lorats main', () => {
  it('lists commands in --help', async () => {
    const c = capture();
    expect(await main(['--help'], c.io, [echo])).toBe(0);
    expect(c.out.join('')).toContain('echo');
  });
  it('runs a command', async () => {
    const c = capture();
    expect(await main(['echo', 'a', 'b', '--upper'], c.io, [echo])).toBe(0);
    expect(c.out.join('')).toBe('A B\n');
  });
  it('shows a command help', async () => {
    const c = capture();
    expect(await main(['echo', '--help'], c.io, [echo])).toBe(0);
    expect(c.out.join('')).toContain('Usage: lorats echo <words…>');
  });
  it('exits 2 with a message on an unknown option or command', async () => {
    const c = capture();
    expect(await main(['echo', '--nope'], c.io, [echo])).toBe(2);
    expect(c.err.join('')).toContain('unknown option --nope');
    expect(await main(['nope'], c.io, [echo])).toBe(2);
    expect(c.err.join('')).toContain('unknown command "nope"');
  });
});
