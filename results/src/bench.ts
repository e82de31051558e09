// Benchmark results (results/bench/*.json, written by apps/bench and its PyTorch + PEFT references) as a throughput
// table and a bar chart: tokens per second of one LoRA training step, lorats against PEFT on the same workload.
// Files are read as they are: anything without a numeric `tokensPerSecond` is listed as skipped, never an error.
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

export interface BenchFiles {
  entries: ThroughputEntry[];
  dispatch: DispatchEntry[];
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

/** Reads every JSON file of `dir` (absent: none). */
export function readBench(dir: string): BenchFiles {
  const out: BenchFiles = { entries: [], dispatch: [], skipped: [] };
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
  return out;
}

const isPeft = (e: ThroughputEntry): boolean => /peft/i.test(e.implementation);

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
  if (bench.skipped.length > 0) {
    lines.push('Other files in results/bench/ (not throughput records):', '');
    for (const s of bench.skipped) lines.push(`- [${s.file}](../bench/${s.file}): ${s.why}`);
    lines.push('');
  }
  return lines.join('\n');
}
