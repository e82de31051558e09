// safetensors: u64 little-endian header length, a JSON header, then raw little-endian tensor bytes.
// https://github.com/huggingface/safetensors (format spec in its README); written in the library's own layout.
import { writeFileAtomic, type ByteSink } from './atomic-write.js';
import {
  dtypeSize,
  fromSafetensorsDType,
  numel,
  safetensorsRank,
  toBytes,
  toSafetensorsDType,
  type HostTensor,
  type StateDict,
} from './dtype.js';
import { CorruptCheckpointError, InvalidTensorError, TruncatedCheckpointError, UnsupportedDTypeError } from './errors.js';
import { finishRead, missingTensor, readAllOf, type CheckpointReader, type ReadOptions, type TensorInfo } from './reader.js';
import { bufferSource, fileSource, readTyped, type ByteSource } from './source.js';
import { tensorProblem } from './tensor.js';

/** The safetensors library refuses headers above 100 MB; so do we. */
export const MAX_SAFETENSORS_HEADER = 100_000_000;

interface Entry extends TensorInfo {
  /** Absolute byte offset of the data in the file. */
  offset: number;
  byteLength: number;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function isObject(v: Json): v is { [k: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseHeader(file: string, text: string, dataSize: number, headerEnd: number): { entries: Map<string, Entry>; metadata: Record<string, string> } {
  let json: Json;
  try {
    json = JSON.parse(text) as Json;
  } catch (e) {
    throw new CorruptCheckpointError(file, `header is not valid JSON (${(e as Error).message})`);
  }
  if (!isObject(json)) throw new CorruptCheckpointError(file, 'header is not a JSON object');
  const metadata: Record<string, string> = {};
  const list: [string, Entry][] = [];
  for (const [key, value] of Object.entries(json)) {
    if (key === '__metadata__') {
      if (!isObject(value)) throw new CorruptCheckpointError(file, '__metadata__ is not an object', { key });
      for (const [k, v] of Object.entries(value)) {
        if (typeof v !== 'string') throw new CorruptCheckpointError(file, `metadata value for "${k}" is not a string`, { key });
        metadata[k] = v;
      }
      continue;
    }
    if (!isObject(value)) throw new CorruptCheckpointError(file, 'tensor entry is not an object', { key });
    const { dtype: dtypeName, shape, data_offsets: offsets } = value;
    if (typeof dtypeName !== 'string') throw new CorruptCheckpointError(file, 'missing dtype', { key });
    const dtype = fromSafetensorsDType(dtypeName);
    if (!dtype) throw new UnsupportedDTypeError(file, dtypeName, { key });
    if (!Array.isArray(shape) || !shape.every((d): d is number => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) {
      throw new CorruptCheckpointError(file, `shape ${JSON.stringify(shape)} is not a list of non-negative integers`, { key });
    }
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o): o is number => typeof o === 'number' && Number.isSafeInteger(o) && o >= 0)
    ) {
      throw new CorruptCheckpointError(file, `data_offsets ${JSON.stringify(offsets)} is not a pair of non-negative integers`, { key });
    }
    const [begin, end] = offsets;
    if (end < begin) throw new CorruptCheckpointError(file, `data_offsets [${begin}, ${end}] end before they begin`, { key });
    if (end > dataSize) {
      throw new TruncatedCheckpointError(file, `data_offsets [${begin}, ${end}] run past the end of the data (${dataSize} bytes)`, { key });
    }
    if (!shape.includes(0)) {
      let count = dtypeSize(dtype);
      for (const d of shape) {
        count *= d;
        if (count > dataSize) throw new CorruptCheckpointError(file, `shape [${shape.join(', ')}] needs more bytes than the file has`, { key });
      }
    }
    const need = numel(shape) * dtypeSize(dtype);
    if (end - begin !== need) {
      throw new CorruptCheckpointError(file, `data_offsets [${begin}, ${end}] hold ${end - begin} bytes but ${dtypeName}[${shape.join(', ')}] needs ${need}`, { key });
    }
    list.push([key, { dtype, shape: [...shape], offset: headerEnd + begin, byteLength: need }]);
  }
  list.sort((a, b) => a[1].offset - b[1].offset || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { entries: new Map(list), metadata };
}

/** An open safetensors file: the header is parsed on open, tensors are read one at a time by offset. */
export class SafetensorsReader implements CheckpointReader {
  readonly format = 'safetensors' as const;
  readonly file: string;
  readonly metadata: Record<string, string>;
  private readonly entries: Map<string, Entry>;

  private constructor(private readonly source: ByteSource, entries: Map<string, Entry>, metadata: Record<string, string>) {
    this.file = source.name;
    this.entries = entries;
    this.metadata = metadata;
  }

  /** Opens a file and parses its header (only the header is read). */
  static async open(path: string): Promise<SafetensorsReader> {
    const source = await fileSource(path);
    try {
      return await SafetensorsReader.fromSource(source);
    } catch (e) {
      await source.close();
      throw e;
    }
  }

  /** Parses the header of a safetensors file held in memory. */
  static async fromBytes(bytes: Uint8Array, name = '<buffer>'): Promise<SafetensorsReader> {
    return SafetensorsReader.fromSource(bufferSource(bytes, name));
  }

  static async fromSource(source: ByteSource): Promise<SafetensorsReader> {
    const file = source.name;
    if (source.size < 8) throw new TruncatedCheckpointError(file, `${source.size} bytes is too short for a safetensors file (8-byte header length missing)`);
    const lengthBytes = await source.read(0, 8);
    const headerLength = new DataView(lengthBytes.buffer, lengthBytes.byteOffset, 8).getBigUint64(0, true);
    if (headerLength > BigInt(MAX_SAFETENSORS_HEADER)) {
      throw new CorruptCheckpointError(file, `header length ${headerLength} is over the ${MAX_SAFETENSORS_HEADER}-byte limit (not a safetensors file?)`);
    }
    const n = Number(headerLength);
    if (8 + n > source.size) {
      throw new TruncatedCheckpointError(file, `header length ${n} is larger than the file (${source.size} bytes)`);
    }
    const headerBytes = await source.read(8, n);
    if (n === 0 || headerBytes[0] !== 0x7b) throw new CorruptCheckpointError(file, 'header does not start with "{" (not a safetensors file?)');
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
    } catch {
      throw new CorruptCheckpointError(file, 'header is not valid UTF-8');
    }
    const { entries, metadata } = parseHeader(file, text, source.size - 8 - n, 8 + n);
    return new SafetensorsReader(source, entries, metadata);
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  info(key: string): TensorInfo {
    const e = this.entries.get(key);
    if (!e) throw missingTensor(this.file, key);
    return { dtype: e.dtype, shape: [...e.shape] };
  }

  /** Byte range of a tensor's data in the file. */
  byteRange(key: string): { offset: number; byteLength: number } {
    const e = this.entries.get(key);
    if (!e) throw missingTensor(this.file, key);
    return { offset: e.offset, byteLength: e.byteLength };
  }

  async read(key: string, options?: ReadOptions): Promise<HostTensor> {
    const e = this.entries.get(key);
    if (!e) throw missingTensor(this.file, key);
    const data = await readTyped(this.source, e.offset, e.dtype, numel(e.shape), key);
    return finishRead({ dtype: e.dtype, shape: [...e.shape], data }, options);
  }

  readAll(options?: ReadOptions): Promise<StateDict> {
    return readAllOf(this, options);
  }

  close(): Promise<void> {
    return this.source.close();
  }
}

/** Reads every tensor of a safetensors file. */
export async function loadSafetensors(path: string, options?: ReadOptions): Promise<{ tensors: StateDict; metadata: Record<string, string> }> {
  const reader = await SafetensorsReader.open(path);
  try {
    return { tensors: await reader.readAll(options), metadata: reader.metadata };
  } finally {
    await reader.close();
  }
}

export interface SafetensorsWriteOptions {
  /** String-to-string `__metadata__` (PyTorch writers put `{"format": "pt"}`). */
  metadata?: Record<string, string>;
}

function utf8Compare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Validates the tensors and builds the header, in the safetensors library's order (wider dtypes first, then by name). */
function prepare(file: string, tensors: Iterable<[string, HostTensor]>, options: SafetensorsWriteOptions): { header: Uint8Array; order: [string, HostTensor][] } {
  const order = [...tensors];
  const seen = new Set<string>();
  for (const [name, t] of order) {
    if (typeof name !== 'string' || name === '' || name === '__metadata__') throw new InvalidTensorError(file, 'invalid tensor name', { key: String(name) });
    if (seen.has(name)) throw new InvalidTensorError(file, 'duplicate tensor name', { key: name });
    seen.add(name);
    const problem = tensorProblem(t);
    if (problem) throw new InvalidTensorError(file, problem, { key: name });
  }
  for (const [k, v] of Object.entries(options.metadata ?? {})) {
    if (typeof v !== 'string') throw new InvalidTensorError(file, `metadata value for "${k}" is not a string`);
  }
  order.sort((a, b) => safetensorsRank(b[1].dtype) - safetensorsRank(a[1].dtype) || utf8Compare(a[0], b[0]));
  const parts: string[] = [];
  if (options.metadata) parts.push(`"__metadata__":${JSON.stringify(options.metadata)}`);
  let offset = 0;
  for (const [name, t] of order) {
    const n = t.data.byteLength;
    parts.push(`${JSON.stringify(name)}:{"dtype":"${toSafetensorsDType(t.dtype)}","shape":[${t.shape.join(',')}],"data_offsets":[${offset},${offset + n}]}`);
    offset += n;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const padded = Math.ceil(json.length / 8) * 8;
  const header = new Uint8Array(8 + padded).fill(0x20, 8 + json.length);
  new DataView(header.buffer).setBigUint64(0, BigInt(padded), true);
  header.set(json, 8);
  return { header, order };
}

/** The bytes of a safetensors file, as the safetensors library lays them out. */
export function serializeSafetensors(tensors: Iterable<[string, HostTensor]>, options: SafetensorsWriteOptions = {}): Uint8Array {
  const { header, order } = prepare('<buffer>', tensors, options);
  const total = header.length + order.reduce((s, [, t]) => s + t.data.byteLength, 0);
  const out = new Uint8Array(total);
  out.set(header, 0);
  let at = header.length;
  for (const [, t] of order) {
    out.set(toBytes(t.data), at);
    at += t.data.byteLength;
  }
  return out;
}

/** Writes a safetensors file atomically, streaming one tensor at a time. */
export async function writeSafetensors(path: string, tensors: Iterable<[string, HostTensor]>, options: SafetensorsWriteOptions = {}): Promise<void> {
  const { header, order } = prepare(path, tensors, options);
  await writeFileAtomic(path, (sink) => streamSafetensors(sink, header, order));
}

async function streamSafetensors(sink: ByteSink, header: Uint8Array, order: [string, HostTensor][]): Promise<void> {
  await sink.write(header);
  for (const [, t] of order) await sink.write(toBytes(t.data));
}

/** Writes prepared safetensors bytes into a folder write. */
export function safetensorsWriter(file: string, tensors: Iterable<[string, HostTensor]>, options: SafetensorsWriteOptions = {}): (sink: ByteSink) => Promise<void> {
  const { header, order } = prepare(file, tensors, options);
  return (sink) => streamSafetensors(sink, header, order);
}
