// Open any supported checkpoint file by sniffing its first bytes; save by extension.
import type { HostTensor, StateDict } from './dtype.js';
import { UnsupportedFormatError } from './errors.js';
import type { CheckpointFormat, CheckpointReader, ReadOptions } from './reader.js';
import { SafetensorsReader, writeSafetensors, type SafetensorsWriteOptions } from './safetensors.js';
import { bufferSource, fileSource, type ByteSource } from './source.js';
import { openTorchLegacy } from './torch-legacy.js';
import { openTorchZip, writeTorch, type TorchWriteOptions } from './torch-zip.js';

/** Which format a file's first bytes say it is, or undefined. */
export async function sniffFormat(source: ByteSource): Promise<CheckpointFormat | undefined> {
  const head = await source.read(0, Math.min(source.size, 512));
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) return 'torch-zip';
  // u64 header length, then the JSON header's "{" (checked first: a header length such as 0x280 starts with 0x80 0x02)
  if (head.length >= 9 && head[8] === 0x7b) return 'safetensors';
  // a pickle (PROTO 2..5): the legacy format starts with the pickled magic number, checked when it is opened
  if (head.length >= 2 && head[0] === 0x80 && head[1] >= 2 && head[1] <= 5) return 'torch-legacy';
  return undefined;
}

async function openSource(source: ByteSource): Promise<CheckpointReader> {
  try {
    const format = await sniffFormat(source);
    if (format === 'torch-zip') return await openTorchZip(source);
    if (format === 'torch-legacy') return await openTorchLegacy(source);
    if (format === 'safetensors') return await SafetensorsReader.fromSource(source);
    const head = await source.read(0, Math.min(source.size, 512));
    if (head.length >= 262 && new TextDecoder().decode(head.subarray(257, 262)) === 'ustar') {
      throw new UnsupportedFormatError(source.name, 'a tar checkpoint (PyTorch before 0.4) is not supported; re-save it with a current PyTorch');
    }
    throw new UnsupportedFormatError(source.name, 'not a safetensors file or a PyTorch checkpoint (unrecognised first bytes)');
  } catch (e) {
    await source.close();
    throw e;
  }
}

/** Opens a safetensors file, a PyTorch zip checkpoint or a legacy PyTorch checkpoint; only the header is read. */
export async function openCheckpoint(path: string): Promise<CheckpointReader> {
  return openSource(await fileSource(path));
}

/** Opens a checkpoint held in memory. */
export async function openCheckpointBytes(bytes: Uint8Array, name = '<buffer>'): Promise<CheckpointReader> {
  return openSource(bufferSource(bytes, name));
}

/** Reads every tensor of a checkpoint file. */
export async function loadCheckpoint(path: string, options?: ReadOptions): Promise<{ tensors: StateDict; metadata: Record<string, string>; format: CheckpointFormat }> {
  const reader = await openCheckpoint(path);
  try {
    return { tensors: await reader.readAll(options), metadata: reader.metadata, format: reader.format };
  } finally {
    await reader.close();
  }
}

export type SaveFormat = 'safetensors' | 'torch';

/** The save format a file name implies: `.safetensors` or PyTorch (`.bin`, `.pt`, `.pth`, `.ckpt`). */
export function formatForPath(path: string): SaveFormat | undefined {
  if (/\.safetensors$/i.test(path)) return 'safetensors';
  if (/\.(bin|pt|pth|ckpt)$/i.test(path)) return 'torch';
  return undefined;
}

export interface SaveOptions extends SafetensorsWriteOptions, TorchWriteOptions {
  /** Defaults to the one the extension implies. */
  format?: SaveFormat;
}

/** Writes tensors atomically as safetensors or as a PyTorch zip checkpoint (an OrderedDict). */
export async function saveCheckpoint(path: string, tensors: Iterable<[string, HostTensor]>, options: SaveOptions = {}): Promise<void> {
  const format = options.format ?? formatForPath(path);
  if (format === 'safetensors') return writeSafetensors(path, tensors, options);
  if (format === 'torch') return writeTorch(path, new Map(tensors), options);
  throw new UnsupportedFormatError(path, 'cannot tell the format from the extension: use .safetensors, .bin, .pt or .pth, or pass a format');
}
