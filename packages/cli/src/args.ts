// A small, strict argument parser: every option is declared, unknown ones are errors.

/** How one option is read from the command line. */
export interface OptionSpec {
  /** Long name without dashes, e.g. `json` for `--json`. */
  name: string;
  /** One-letter alias without the dash, e.g. `i` for `-i`. */
  short?: string;
  /** `boolean` takes no value; `string`/`number` take one; `list` takes one or more until the next option. */
  type: 'boolean' | 'string' | 'number' | 'list';
  description: string;
  /** Allowed values for string options. */
  choices?: readonly string[];
  default?: string | number | boolean | string[];
  /** Placeholder shown in help, e.g. `FILE`. */
  value?: string;
}

export type ParsedValue = string | number | boolean | string[] | undefined;

export interface ParsedArgs {
  options: Record<string, ParsedValue>;
  positionals: string[];
}

/** Thrown for bad command lines; the CLI prints the message and exits with code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Parses `argv` against `specs`; throws `UsageError` for unknown options, missing values or bad choices. */
export function parseArgs(argv: readonly string[], specs: readonly OptionSpec[]): ParsedArgs {
  const byLong = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short as string, s]));
  const options: Record<string, ParsedValue> = {};
  for (const s of specs) if (s.default !== undefined) options[s.name] = s.default;
  const positionals: string[] = [];
  const isOption = (a: string) => a.startsWith('-') && a !== '-' && !/^-\d/.test(a);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!isOption(arg)) {
      positionals.push(arg);
      continue;
    }
    let key: string;
    let inline: string | undefined;
    let spec: OptionSpec | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      key = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
      spec = byLong.get(key);
    } else {
      key = arg.slice(1);
      spec = byShort.get(key);
    }
    if (!spec) throw new UsageError(`unknown option ${arg}`);
    const flag = arg.startsWith('--') ? `--${spec.name}` : `-${spec.short}`;
    if (spec.type === 'boolean') {
      if (inline !== undefined) {
        if (inline !== 'true' && inline !== 'false') throw new UsageError(`${flag} takes no value (got "${inline}")`);
        options[spec.name] = inline === 'true';
      } else options[spec.name] = true;
      continue;
    }
    if (spec.type === 'list') {
      const values: string[] = inline !== undefined ? [inline] : [];
      while (i + 1 < argv.length && !isOption(argv[i + 1])) values.push(argv[++i]);
      if (values.length === 0) throw new UsageError(`${flag} needs at least one value`);
      options[spec.name] = values;
      continue;
    }
    let raw = inline;
    if (raw === undefined) {
      if (i + 1 >= argv.length) throw new UsageError(`${flag} needs a value`);
      raw = argv[++i];
    }
    if (spec.choices && !spec.choices.includes(raw)) {
      throw new UsageError(`${flag} must be one of ${spec.choices.join(', ')} (got "${raw}")`);
    }
    if (spec.type === 'number') {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${flag} needs a number (got "${raw}")`);
      options[spec.name] = n;
    } else options[spec.name] = raw;
  }
  return { options, positionals };
}

/** Renders the option list for `--help`. */
export function formatOptions(specs: readonly OptionSpec[]): string {
  const rows = specs.map((s) => {
    const names = [s.short ? `-${s.short}` : '', `--${s.name}`].filter(Boolean).join(', ');
    const value = s.type === 'boolean' ? '' : ` ${s.value ?? (s.choices ? s.choices.join('|') : s.type.toUpperCase())}${s.type === 'list' ? '…' : ''}`;
    const def = s.default !== undefined && s.type !== 'boolean' ? ` (default: ${String(s.default)})` : '';
    return [`  ${names}${value}`, `${s.description}${def}`];
  });
  const width = Math.max(0, ...rows.map((r) => r[0].length)) + 2;
  return rows.map(([l, r]) => l.padEnd(width) + r).join('\n');
}
