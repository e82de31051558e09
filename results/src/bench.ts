// Benchmark results (results/bench/*.json, written by apps/bench and its PyTorch + PEFT / HF references) as tables
// and a bar chart: tokens per second of one LoRA training step (lorats against PEFT on the same workload), µs per
// small op, and contexts per second of E2E beam-search decoding (lorats against HF `generate`).
// Files are read as they are: a file with none of `tokensPerSecond`, `microsecondsPerOp`, `contextsPerSecond` is
// listed as skipped, never an error.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { cellText } from './format.js';

export interface ThroughputEntry {
  /** File name under results/bench/. */
  file: string;
  /** `lorats (torch)`, `pytorch+peft`, … */
  implementation: string;
  /** The workload both sides ran, e.g. `24 layers × 1024 · batch 8 × 512 tokens · rank 4 · GPU bf16`. */
  workload: string;
  tokensPerSecond: number;
  stepSeconds?: number;
  peakDeviceBytes?: number;
  device?: string;
}

/** A per-op timing file (`microsecondsPerOp`: one number, or one per variant). */
export interface DispatchEntry {
  file: string;
  device: string;
  op: string;
  /** Variant → µs per op (a single number is stored under `''`). */
  microseconds: Record<string, number>;
}

/** A beam-search decoding record (`contextsPerSecond`: apps/bench gpt2-decode, apps/bench/python/hf_gpt2_decode.py). */
export interface DecodeEntry {
  file: string;
  /** `lorats`, `transformers 5.17.0 generate`, … */
  implementation: string;
  /** `fp32`, `bf16` (or `fp16`). */
  precision: string;
  /** `24 layers × 1024`. */
  model: string;
  contexts?: number;
  /** Where the contexts came from (`E2E test, distinct MRs`, `synthetic ids`), when the record says. */
  contextSource?: string;
  beams?: number;
  newTokens?: number;
  contextsPerSecond: number;
  seconds?: number;
  device?: string;
}

export interface BenchFiles {
  entries: ThroughputEntry[];
  dispatch: DispatchEntry[];
  decode: DecodeEntry[];
  /** Files that are not throughput records, with why. */
  skipped: Array<{ file: string; why: string }>;
}

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const num = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);
const str = (x: unknown): string | undefined => (typeof x === 'string' && x.length > 0 ? x : undefined);

function workloadOf(r: Obj): string {
  const c = isObj(r.config) ? r.config : {};
  const layers = num(c.nLayer);
  const width = num(c.nEmbd);
  const model = layers !== undefined && width !== undefined ? `${layers} layers × ${width}` : (str(r.preset) ?? 'model ?');
  const shape = num(r.batch) !== undefined && num(r.seq) !== undefined ? `batch ${num(r.batch)} × ${num(r.seq)} tokens` : 'shape ?';
  const rank = num(r.rank) !== undefined ? `rank ${num(r.rank)}` : 'rank ?';
  const device = str(r.device) ?? 'cpu';
  const where = device.startsWith('cuda') ? 'GPU' : device.startsWith('cpu') ? 'CPU' : device;
  return `${model} · ${shape} · ${rank} · ${where} ${r.bf16 === true ? 'bf16' : 'fp32'}`;
}

/** bf16 from an explicit `bf16` flag, else from a dtype (`torch.bfloat16`) or backend description (`bf16 autocast`). */
function precisionOf(r: Obj): string {
  if (typeof r.bf16 === 'boolean') return r.bf16 ? 'bf16' : 'fp32';
  const s = `${str(r.dtype) ?? ''} ${str(r.backend) ?? ''}`;
  if (/bfloat16|bf16/i.test(s)) return 'bf16';
  if (/float16|fp16|half/i.test(s)) return 'fp16';
  return 'fp32';
}

/** The lorats record's camelCase settings or the HF script's `generate` keyword names. */
function decodeEntry(file: string, r: Obj, contextsPerSecond: number): DecodeEntry {
  const m = isObj(r.model) ? r.model : {};
  const d = isObj(r.decode) ? r.decode : {};
  const layers = num(m.nLayer);
  const width = num(m.nEmbd);
  const backend = str(r.backend);
  const pick = (...xs: unknown[]): number | undefined => xs.map(num).find((x) => x !== undefined);
  const entry: DecodeEntry = {
    file,
    implementation: str(r.implementation) ?? 'lorats',
    precision: precisionOf(r),
    model: layers !== undefined && width !== undefined ? `${layers} layers × ${width}` : (str(m.preset) ?? 'model ?'),
    contextsPerSecond,
  };
  const contexts = num(r.contexts);
  const contextSource = str(r.contextSource);
  const beams = pick(d.beams, d.num_beams);
  const newTokens = pick(d.maxNewTokens, d.max_new_tokens);
  const seconds = num(r.seconds);
  const device = str(r.gpu) ?? str(r.device) ?? backend;
  return {
    ...entry,
    ...(contexts !== undefined ? { contexts } : {}),
    ...(contextSource !== undefined ? { contextSource } : {}),
    ...(beams !== undefined ? { beams } : {}),
    ...(newTokens !== undefined ? { newTokens } : {}),
    ...(seconds !== undefined ? { seconds } : {}),
    ...(device !== undefined ? { device } : {}),
  };
}

/** Reads every JSON file of `dir` (absent: none). */
export function readBench(dir: string): BenchFiles {
  const out: BenchFiles = { entries: [], dispatch: [], decode: [], skipped: [] };
  if (!existsSync(dir)) return out;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    let r: unknown;
    try {
      r = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    } catch (e) {
      out.skipped.push({ file, why: `not JSON (${(e as Error).message.split('\n')[0]})` });
      continue;
    }
    const tps = isObj(r) ? num(r.tokensPerSecond) : undefined;
    const us = isObj(r) ? r.microsecondsPerOp : undefined;
    if (isObj(r) && tps === undefined && (num(us) !== undefined || isObj(us))) {
      const microseconds = isObj(us)
        ? Object.fromEntries(Object.entries(us).flatMap(([k, v]) => (num(v) !== undefined ? [[k, num(v) as number]] : [])))
        : { '': us as number };
      out.dispatch.push({ file, device: str(r.description) ?? str(r.device) ?? '', op: str(r.op) ?? '', microseconds });
      continue;
    }
    const cps = isObj(r) ? num(r.contextsPerSecond) : undefined;
    if (isObj(r) && tps === undefined && cps !== undefined) {
      out.decode.push(decodeEntry(file, r, cps));
      continue;
    }
    if (!isObj(r) || tps === undefined) {
      out.skipped.push({ file, why: isObj(r) && str(r.benchmark) ? `benchmark ${str(r.benchmark)}: no tokensPerSecond` : 'no tokensPerSecond' });
      continue;
    }
    const backend = str(r.backend);
    out.entries.push({
      file,
      implementation: str(r.implementation) ?? `lorats${backend ? ` (${backend})` : ''}`,
      workload: workloadOf(r),
      tokensPerSecond: tps,
      ...(num(r.medianStepSeconds) !== undefined ? { stepSeconds: num(r.medianStepSeconds) } : {}),
      ...(num(r.peakDeviceBytes) !== undefined ? { peakDeviceBytes: num(r.peakDeviceBytes) } : {}),
      ...(str(r.gpu) ?? str(r.device) ? { device: str(r.gpu) ?? str(r.device) } : {}),
    });
  }
  out.entries.sort((a, b) => a.workload.localeCompare(b.workload) || a.implementation.localeCompare(b.implementation) || a.file.localeCompare(b.file));
  out.decode.sort((a, b) => decodeWorkload(a).localeCompare(decodeWorkload(b), 'en', { numeric: true }) || a.implementation.localeCompare(b.implementation) || a.file.localeCompare(b.file));
  return out;
}

const isPeft = (e: ThroughputEntry): boolean => /peft/i.test(e.implementation);
const isHf = (e: DecodeEntry): boolean => /transformers|\bhf\b/i.test(e.implementation);
/** What a lorats decode row and its HF partner share: model shape, precision, contexts, beams, new tokens. */
const decodeWorkload = (e: DecodeEntry): string => [e.model, e.precision, e.contexts, e.beams, e.newTokens].join(' · ');

/** contexts/s of a lorats decode row over its HF partner's on the same workload; undefined for HF rows or no partner. */
export function decodeRatio(e: DecodeEntry, all: readonly DecodeEntry[]): number | undefined {
  if (isHf(e)) return undefined;
  const hf = all.find((h) => isHf(h) && decodeWorkload(h) === decodeWorkload(e));
  return hf ? e.contextsPerSecond / hf.contextsPerSecond : undefined;
}

/** results/tables/throughput.md. */
export function renderThroughput(bench: BenchFiles, generated: string): string {
  const lines = [
    generated,
    '',
    '# Training throughput: lorats against PyTorch + PEFT',
    '',
    'One LoRA training step of GPT-2 (random weights, LoRA on the attention, AdamW), from `results/bench/*.json` ' +
      '(`nx run bench:<name>`; the PEFT side is `apps/bench/python/peft_gpt2_lora.py`). **vs PEFT** is tokens/s divided ' +
      'by PEFT\'s on the same workload. Plot: [throughput.svg](../plots/throughput.svg).',
    '',
  ];
  if (bench.entries.length === 0) lines.push('No training-step results yet (no results/bench/*.json has tokensPerSecond).', '');
  else {
    lines.push('| workload | implementation | tokens/s | vs PEFT | step (s) | peak device memory | device | file |', '|---|---|---|---|---|---|---|---|');
    for (const e of bench.entries) {
      const peft = bench.entries.find((p) => isPeft(p) && p.workload === e.workload);
      const ratio = peft && !isPeft(e) ? `${(e.tokensPerSecond / peft.tokensPerSecond).toFixed(2)}×` : '';
      const mem = e.peakDeviceBytes !== undefined ? `${(e.peakDeviceBytes / 2 ** 30).toFixed(2)} GiB` : '';
      lines.push(
        `| ${cellText(e.workload)} | ${cellText(e.implementation)} | ${Math.round(e.tokensPerSecond).toLocaleString('en-US')} | ${ratio} | ${e.stepSeconds?.toFixed(3) ?? ''} | ${mem} | ${cellText(e.device ?? '')} | [${e.file}](../bench/${e.file}) |`,
      );
    }
    lines.push('');
  }
  if (bench.dispatch.length > 0) {
    lines.push('## Per-op dispatch cost', '', 'Microseconds per small op (`nx run bench:dispatch`; the PyTorch side is `apps/bench/python/torch_dispatch.py`).', '');
    lines.push('| file | device | op | measurement | µs per op |', '|---|---|---|---|---|');
    for (const d of bench.dispatch)
      for (const [k, v] of Object.entries(d.microseconds))
        lines.push(`| [${d.file}](../bench/${d.file}) | ${cellText(d.device)} | ${cellText(d.op)} | ${cellText(k || '—')} | ${v.toFixed(2)} |`);
    lines.push('');
  }
  if (bench.decode.length > 0) {
    lines.push(
      '## E2E beam-search decoding',
      '',
      'Beam-search decoding of the distinct E2E test contexts as the paper decodes E2E (gpt2_beam.py: length penalty 0.8, ' +
        'no-repeat 4-grams, EOS {50256, 628}), random weights with LoRA on the attention, from `results/bench/*.json` ' +
        '(`apps/bench/src/gpt2-decode.ts`; the HF side is `apps/bench/python/hf_gpt2_decode.py`, `generate` on the same ' +
        'contexts). **vs HF** is contexts/s divided by HF\'s with the same model shape, precision, contexts, beams and new tokens.',
      '',
      '| implementation | precision | model | contexts | beams | new tokens | contexts/s | seconds | vs HF | device | file |',
      '|---|---|---|---|---|---|---|---|---|---|---|',
    );
    for (const e of bench.decode) {
      const ratio = decodeRatio(e, bench.decode);
      // Contexts that are not the E2E test set (the synthetic stand-ins) say so.
      const contexts = `${e.contexts ?? ''}${e.contextSource && !/^E2E\b/.test(e.contextSource) ? ` (${e.contextSource})` : ''}`;
      lines.push(
        `| ${cellText(e.implementation)} | ${e.precision} | ${cellText(e.model)} | ${cellText(contexts)} | ${e.beams ?? ''} | ${e.newTokens ?? ''} | ` +
          `${e.contextsPerSecond.toFixed(2)} | ${e.seconds?.toFixed(1) ?? ''} | ${ratio !== undefined ? `${ratio.toFixed(2)}×` : ''} | ` +
          `${cellText(e.device ?? '')} | [${e.file}](../bench/${e.file}) |`,
      );
    }
    lines.push('');
  }
  if (bench.skipped.length > 0) {
    lines.push('Other files in results/bench/ (not throughput records):', '');
    for (const s of bench.skipped) lines.push(`- [${s.file}](../bench/${s.file}): ${s.why}`);
    lines.push('');
  }
  return lines.join('\n');
}
