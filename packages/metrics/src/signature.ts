// sacrebleu's reproducibility signatures and score formatting (`metrics/base.py`).
import { formatFixed, pyFloatRepr } from './text.js';

/** The sacrebleu release whose behaviour and signatures we reproduce. */
export const SACREBLEU_VERSION = '2.6.0';

/** One signature field: long name, short name and value. */
export interface SignatureField {
  key: string;
  short: string;
  value: string;
}

/** A metric's signature, e.g. `nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0`. */
export interface Signature {
  fields: readonly SignatureField[];
  /** The signature string; `short` uses sacrebleu's abbreviations (`#:1|c:mixed|...`). */
  format(short?: boolean): string;
}

/** Builds a signature: `nrefs`, the metric's own fields in order, then `version`. */
export function makeSignature(numRefs: number, own: readonly SignatureField[]): Signature {
  const fields: SignatureField[] = [
    { key: 'nrefs', short: '#', value: numRefs === -1 ? 'var' : String(numRefs) },
    ...own,
    { key: 'version', short: 'v', value: SACREBLEU_VERSION },
  ];
  return {
    fields,
    format: (short = false) => fields.map((f) => `${short ? f.short : f.key}:${f.value}`).join('|'),
  };
}

/** A metric result as sacrebleu reports it. */
export interface MetricScore {
  /** `BLEU`, `chrF2`, `chrF2++`, `TER`. */
  name: string;
  /** The score on the 0–100 scale, full precision. */
  score: number;
  /** sacrebleu's verbose part (BLEU only), e.g. `70.6/42.9/36.4/37.5 (BP = 1.000 ...)`. */
  verbose: string;
  signature: Signature;
}

/** sacrebleu's `Score.format(width, score_only, signature, is_json)`. */
export function formatScore(
  s: MetricScore,
  opts: { width?: number; scoreOnly?: boolean; json?: boolean; short?: boolean } = {},
): string {
  const width = opts.width ?? 1;
  const sc = formatFixed(s.score, width);
  if (opts.scoreOnly) return sc;
  const sig = s.signature.format(opts.json ? false : (opts.short ?? false));
  if (opts.json) {
    const entries: [string, string | number][] = [
      ['name', s.name],
      ['score', Number(sc)],
      ['signature', sig],
    ];
    if (s.verbose) entries.push(['verbose_score', s.verbose]);
    for (const f of s.signature.fields) entries.push([f.key, f.value]);
    return pyJsonObject(entries);
  }
  const full = `${s.name}|${sig} = ${sc}`;
  return s.verbose ? `${full} ${s.verbose}` : full;
}

/** `json.dumps(d, indent=1, ensure_ascii=False)` for a flat object of strings and floats. */
function pyJsonObject(entries: readonly [string, string | number][]): string {
  const body = entries.map(([k, v]) => ` ${JSON.stringify(k)}: ${typeof v === 'number' ? pyFloatRepr(v) : JSON.stringify(v)}`);
  return `{\n${body.join(',\n')}\n}`;
}

/** sacrebleu's `print_single_results`: a JSON list, or text lines aligned on their `=`. */
export function formatResults(results: readonly string[], json: boolean): string {
  if (json) return results.length > 1 ? `[\n${results.join(',\n')}\n]` : results[0];
  if (results.length === 1) return results[0];
  const lines: string[] = [];
  const aligned: { len: number; line: string }[] = [];
  for (const line of results) {
    const i = line.indexOf('=');
    if (i < 0) lines.push(line);
    else aligned.push({ len: i - 1, line });
  }
  const w = Math.max(0, ...aligned.map((a) => a.len));
  for (const { len, line } of aligned) lines.push(line.slice(0, len).padStart(w) + line.slice(len));
  return lines.join('\n');
}
