// Experiments as typed data (style C12): an app owns a complete default config; each experiment file holds only its
// delta; command-line overrides such as `--lora.rank=8` are checked against the keys and value types that exist.

/** Every field optional, recursively (arrays and tuples are replaced whole). */
export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** A JSON value; configs and run records are made of these. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A resolved experiment: its id (the file path under `experiments/`, without extension), config and delta. */
export interface Experiment<C> {
  id: string;
  config: C;
  delta: DeepPartial<C>;
}

/** Thrown for an unknown key or a value of the wrong type in a delta or an override. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Plain = Record<string, unknown>;

function isPlain(x: unknown): x is Plain {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'array';
  return typeof x;
}

/**
 * Merges `delta` into `defaults` (deeply for objects, whole for arrays), rejecting keys the defaults lack and values
 * whose type differs. A default of `null` accepts any JSON value (an optional setting), and `null` in a delta unsets.
 */
export function mergeConfig<C>(defaults: C, delta: NoInfer<DeepPartial<C>>, where = 'config'): C {
  return mergeValue(defaults, delta, where) as C;
}

function mergeValue(base: unknown, delta: unknown, path: string): unknown {
  if (delta === undefined) return clone(base);
  if (base === null || base === undefined || delta === null) return clone(delta);
  if (isPlain(base)) {
    if (!isPlain(delta)) throw new ConfigError(`${path}: expected an object, got ${describe(delta)}`);
    const out: Plain = {};
    for (const key of Object.keys(base)) out[key] = mergeValue(base[key], delta[key], `${path}.${key}`);
    for (const key of Object.keys(delta)) {
      if (!(key in base)) throw new ConfigError(`${path}: unknown key "${key}" (known: ${Object.keys(base).join(', ')})`);
    }
    return out;
  }
  if (Array.isArray(base)) {
    if (!Array.isArray(delta)) throw new ConfigError(`${path}: expected an array, got ${describe(delta)}`);
    return clone(delta);
  }
  if (delta !== null && typeof delta !== typeof base) {
    throw new ConfigError(`${path}: expected ${typeof base}, got ${describe(delta)}`);
  }
  if (typeof delta === 'number' && !Number.isFinite(delta)) throw new ConfigError(`${path}: ${delta} is not a finite number`);
  return delta;
}

function clone<T>(x: T): T {
  return x === undefined ? x : structuredClone(x);
}

/** Resolves an experiment from the app's defaults and a delta; `id` is the experiment's path-derived name. */
export function defineExperiment<C>(defaults: C, delta: NoInfer<DeepPartial<C>>, id = ''): Experiment<C> {
  return { id, config: mergeConfig(defaults, delta, id || 'experiment'), delta };
}

/** One `path=value` override, e.g. `lora.rank=8`. */
export interface Override {
  path: string;
  value: string;
}

/**
 * Takes `--a.b=value` / `--a.b value` arguments whose first segment is a key of `config` out of `argv`; returns them
 * and the arguments left for the app's own parser.
 */
export function splitOverrideArgs(argv: readonly string[], config: object): { overrides: Override[]; rest: string[] } {
  const roots = new Set(Object.keys(config));
  const overrides: Override[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const m = /^--([A-Za-z_][\w-]*(?:\.[\w-]+)+)(?:=(.*))?$/s.exec(arg);
    if (!m || !roots.has(m[1].split('.')[0])) {
      rest.push(arg);
      continue;
    }
    let value = m[2];
    if (value === undefined) {
      if (i + 1 >= argv.length) throw new ConfigError(`--${m[1]} needs a value`);
      value = argv[++i];
    }
    overrides.push({ path: m[1], value });
  }
  return { overrides, rest };
}

/**
 * Applies overrides to a copy of `config`. The value is parsed by the type of the current value: numbers must parse
 * as finite numbers, booleans as true/false, arrays as JSON or comma-separated items of the existing element type;
 * a null default takes a JSON literal (or the raw string).
 */
export function applyOverrides<C>(config: C, overrides: readonly Override[]): C {
  const out = clone(config);
  for (const { path, value } of overrides) {
    const parts = path.split('.');
    let node: unknown = out;
    for (const [i, part] of parts.slice(0, -1).entries()) {
      if (!isPlain(node) || !(part in node)) throw new ConfigError(`--${path}: unknown key "${parts.slice(0, i + 1).join('.')}"`);
      node = node[part];
    }
    const leaf = parts[parts.length - 1];
    if (!isPlain(node) || !(leaf in node)) throw new ConfigError(`--${path}: unknown key "${path}"`);
    node[leaf] = parseAs(node[leaf], value, `--${path}`);
  }
  return out;
}

function parseAs(current: unknown, raw: string, flag: string): unknown {
  if (typeof current === 'number') {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n)) throw new ConfigError(`${flag}: expected a number, got "${raw}"`);
    return n;
  }
  if (typeof current === 'boolean') {
    if (raw !== 'true' && raw !== 'false') throw new ConfigError(`${flag}: expected true or false, got "${raw}"`);
    return raw === 'true';
  }
  if (typeof current === 'string') return raw;
  if (Array.isArray(current)) {
    let items: unknown[];
    if (raw.trim().startsWith('[')) {
      const parsed = tryJson(raw);
      if (!Array.isArray(parsed)) throw new ConfigError(`${flag}: expected a JSON array, got "${raw}"`);
      items = parsed;
    } else items = raw === '' ? [] : raw.split(',');
    const sample = current[0];
    return items.map((item, i) =>
      sample === undefined || typeof item !== 'string' ? item : parseAs(sample, item.trim(), `${flag}[${i}]`),
    );
  }
  if (current === null) {
    const parsed = tryJson(raw);
    return parsed === undefined ? raw : parsed;
  }
  if (isPlain(current)) {
    const parsed = tryJson(raw);
    if (!isPlain(parsed)) throw new ConfigError(`${flag}: expected a JSON object, got "${raw}"`);
    return mergeValue(current, parsed, flag);
  }
  throw new ConfigError(`${flag}: cannot override a value of type ${describe(current)}`);
}

function tryJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
