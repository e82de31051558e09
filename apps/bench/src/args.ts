// A small flag reader for the benchmark entry points: --name value / --flag, unknown flags are errors.
export type Flags = Record<string, string | boolean>;

export function readFlags(argv: readonly string[], known: Record<string, 'string' | 'boolean'>): Flags {
  const flags: Flags = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const [key, inline] = a.slice(2).split('=', 2);
    const type = known[key];
    if (!type) throw new Error(`unknown option --${key} (known: ${Object.keys(known).map((k) => `--${k}`).join(' ')})`);
    if (type === 'boolean') flags[key] = inline === undefined ? true : inline === 'true';
    else {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`--${key} needs a value`);
      flags[key] = v;
    }
  }
  return flags;
}

export function intFlag(flags: Flags, key: string, fallback: number): number {
  const v = flags[key];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${key} must be a non-negative integer (got ${String(v)})`);
  return n;
}

export function stringFlag(flags: Flags, key: string): string | undefined {
  const v = flags[key];
  return typeof v === 'string' ? v : undefined;
}
