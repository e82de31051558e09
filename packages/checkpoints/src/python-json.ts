// JSON as Python's json.dumps(obj, indent=2, sort_keys=True) writes it (PEFT's adapter_config.json): sorted keys,
// ASCII-only strings, float repr. JS numbers do not remember "2.0" vs "2", so integral values print as integers.

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

function pyString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i];
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20 || c > 0x7e) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** Python's `repr(float)` (or `int` for integral values). */
export function pyNumber(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (Number.isInteger(x)) return BigInt(x).toString();
  const [mant, expText] = x.toExponential().split('e');
  const exp = Number(expText);
  if (exp >= -4 && exp < 16) {
    const negative = mant.startsWith('-');
    const digits = mant.replace('-', '').replace('.', '');
    let fixed: string;
    if (exp < 0) fixed = `0.${'0'.repeat(-exp - 1)}${digits}`;
    else if (digits.length > exp + 1) fixed = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
    else fixed = `${digits}${'0'.repeat(exp + 1 - digits.length)}.0`;
    return negative ? `-${fixed}` : fixed;
  }
  return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

export interface PythonJsonOptions {
  /** Keys whose integral values are Python floats (printed `0.0`, not `0`), e.g. `lora_dropout`. */
  floatKeys?: readonly string[];
}

/** `json.dumps(value, indent=2, sort_keys=True)`. */
export function pythonJsonDumps(value: JsonValue, options: PythonJsonOptions = {}): string {
  return dump(value, new Set(options.floatKeys ?? []), false, 0);
}

function dump(value: JsonValue, floatKeys: ReadonlySet<string>, isFloat: boolean, level: number): string {
  const indent = 2;
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return isFloat && Number.isInteger(value) ? `${pyNumber(value)}.0` : pyNumber(value);
  if (typeof value === 'string') return pyString(value);
  const pad = ' '.repeat(indent * (level + 1));
  const close = ' '.repeat(indent * level);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => pad + dump(v, floatKeys, isFloat, level + 1)).join(',\n')}\n${close}]`;
  }
  const keys = Object.keys(value).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (keys.length === 0) return '{}';
  return `{\n${keys.map((k) => `${pad}${pyString(k)}: ${dump(value[k], floatKeys, floatKeys.has(k), level + 1)}`).join(',\n')}\n${close}}`;
}
