// `lorats inspect <file|folder>`: every tensor of a checkpoint or PEFT adapter with dtype, shape and float64 sum.
import { stat } from 'node:fs/promises';
import {
  ADAPTER_CONFIG_NAME,
  isPeftFolder,
  loraFromPeft,
  loraScaling,
  openCheckpoint,
  readPeftAdapter,
  tensorSum,
  TorchReader,
  type HostTensor,
  type JsonValue,
  type PyValue,
} from '@lorats/checkpoints';
import { UsageError } from '../args.js';
import type { Command } from '../command.js';

interface TensorRow {
  name: string;
  dtype: string;
  shape: number[];
  /** float64 sum; "NaN"/"Infinity" as strings so JSON keeps them. */
  sum: number | string;
}

interface Report {
  path: string;
  format: string;
  metadata: Record<string, string>;
  config?: JsonValue;
  values?: Record<string, JsonValue>;
  /** LoRA modules of a PEFT adapter: rank from the shapes, alpha and scaling as PEFT applies them. */
  lora?: { path: string; kind: string; rank: number; alpha: number; scaling: number; enableLora?: boolean[] }[];
  tensors: TensorRow[];
}

function row(name: string, fileDtype: string, t: HostTensor): TensorRow {
  const sum = tensorSum(t);
  return { name, dtype: fileDtype, shape: t.shape, sum: Number.isFinite(sum) ? sum : String(sum) };
}

function plain(v: PyValue): JsonValue {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return `<${v.length} bytes>`;
  return `<${v.constructor.name}>`;
}

async function collect(path: string): Promise<Report> {
  // a folder is read as a PEFT adapter (which names what is missing when it is not one)
  if ((await isPeftFolder(path)) || (await stat(path).catch(() => undefined))?.isDirectory()) {
    const adapter = await readPeftAdapter(path);
    const tensors = [...adapter.tensors].map(([name, t]) => row(name, t.dtype, t));
    const report: Report = { path, format: `peft (${adapter.weightsFile})`, metadata: adapter.metadata, config: adapter.config as JsonValue, tensors };
    if (adapter.config.peft_type === 'LORA' && !adapter.config.use_dora) {
      report.lora = loraFromPeft(adapter, path).modules.map((m) => ({
        path: m.path,
        kind: m.kind,
        rank: m.rank,
        alpha: m.alpha,
        scaling: loraScaling(m),
        ...(m.enableLora ? { enableLora: m.enableLora } : {}),
      }));
    }
    return report;
  }
  const reader = await openCheckpoint(path);
  try {
    const tensors: TensorRow[] = [];
    // one tensor at a time: memory stays at the largest tensor
    for (const name of reader.keys()) tensors.push(row(name, reader.info(name).dtype, await reader.read(name)));
    const report: Report = { path, format: reader.format, metadata: reader.metadata, tensors };
    if (reader instanceof TorchReader && reader.values.size) report.values = Object.fromEntries([...reader.values].map(([k, v]) => [k, plain(v)]));
    return report;
  } finally {
    await reader.close();
  }
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join('  ')).join('\n');
}

function text(r: Report): string {
  const lines = [`${r.path}: ${r.format}, ${r.tensors.length} tensors, ${r.tensors.reduce((s, t) => s + t.shape.reduce((a, b) => a * b, 1), 0)} values`];
  if (Object.keys(r.metadata).length) lines.push(`metadata: ${JSON.stringify(r.metadata)}`);
  if (r.config !== undefined) lines.push(`${ADAPTER_CONFIG_NAME}: ${JSON.stringify(r.config, null, 2)}`);
  if (r.values) lines.push(`other values: ${JSON.stringify(r.values)}`);
  if (r.lora?.length) {
    lines.push('');
    lines.push(
      table([
        ['LoRA module', 'kind', 'rank', 'alpha', 'scaling'],
        ...r.lora.map((m) => [m.path + (m.enableLora ? ` (MergedLinear ${m.enableLora.map(Number).join(',')})` : ''), m.kind, String(m.rank), String(m.alpha), String(m.scaling)]),
      ]),
    );
  }
  if (r.tensors.length) {
    lines.push('');
    lines.push(table([['name', 'dtype', 'shape', 'sum (float64)'], ...r.tensors.map((t) => [t.name === '' ? '<root>' : t.name, t.dtype, `[${t.shape.join(', ')}]`, String(t.sum)])]));
  }
  return `${lines.join('\n')}\n`;
}

export const inspect: Command = {
  name: 'inspect',
  summary: 'list the tensors (dtype, shape, float64 sum) and metadata of a checkpoint or PEFT adapter',
  usage: '<file|folder> [--json]',
  options: [{ name: 'json', type: 'boolean', description: 'print one JSON object instead of a table' }],
  async run(args, io) {
    if (args.positionals.length !== 1) throw new UsageError('inspect takes exactly one file or adapter folder');
    const report = await collect(args.positionals[0]);
    io.stdout(args.options.json ? `${JSON.stringify(report, null, 2)}\n` : text(report));
    return 0;
  },
};
