// Random-access byte sources: readers take bytes at offsets, so a large file is never read whole.
import { open, type FileHandle } from 'node:fs/promises';
import { allocate, dtypeSize, LITTLE_ENDIAN_HOST, swapBytes, type DType, type TensorData } from './dtype.js';
import { CheckpointError, MissingEntryError, TruncatedCheckpointError } from './errors.js';

/** Bytes that can be read at any offset. `name` is the file used in error messages. */
export interface ByteSource {
  readonly name: string;
  readonly size: number;
  /** Reads exactly `length` bytes at `offset` into `into` (or a new array); throws `TruncatedCheckpointError` past the end. */
  read(offset: number, length: number, into?: Uint8Array): Promise<Uint8Array>;
  close(): Promise<void>;
}

function checkRange(name: string, size: number, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new TruncatedCheckpointError(name, `invalid read of ${length} bytes at offset ${offset}`);
  }
  if (offset + length > size) {
    throw new TruncatedCheckpointError(name, `file ends at byte ${size}, but ${length} bytes are needed at offset ${offset}`);
  }
}

/** A source over bytes already in memory (e.g. a `fetch`ed file). */
export function bufferSource(bytes: Uint8Array, name = '<buffer>'): ByteSource {
  return {
    name,
    size: bytes.length,
    async read(offset, length, into) {
      checkRange(name, bytes.length, offset, length);
      const view = bytes.subarray(offset, offset + length);
      if (!into) return view.slice();
      into.set(view);
      return into;
    },
    async close() {},
  };
}

/** Opens a file for reads at offsets; close it when done. */
export async function fileSource(path: string): Promise<ByteSource> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ENOENT') throw new MissingEntryError(path, 'no such file', { cause: e });
    throw new CheckpointError(path, `cannot open (${(e as Error).message})`, { cause: e });
  }
  let size: number;
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new CheckpointError(path, 'not a regular file');
    size = stat.size;
  } catch (e) {
    await handle.close();
    throw e;
  }
  const MAX_CHUNK = 1 << 30;
  return {
    name: path,
    size,
    async read(offset, length, into) {
      checkRange(path, size, offset, length);
      const out = into ?? new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const want = Math.min(length - done, MAX_CHUNK);
        const { bytesRead } = await handle.read(out, done, want, offset + done);
        if (bytesRead === 0) throw new TruncatedCheckpointError(path, `file shrank while reading at offset ${offset + done}`);
        done += bytesRead;
      }
      return out;
    },
    async close() {
      await handle.close();
    },
  };
}

/** Reads `count` little-endian elements of `dtype` at `offset` straight into a new typed array. */
export async function readTyped(source: ByteSource, offset: number, dtype: DType, count: number, key?: string): Promise<TensorData> {
  const data = allocateTensor(source.name, key, dtype, count);
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  await source.read(offset, bytes.length, bytes);
  if (!LITTLE_ENDIAN_HOST) swapBytes(bytes, dtypeSize(dtype));
  return data;
}

/** `allocate`, with a CheckpointError (not a RangeError) when the tensor cannot be held in one typed array. */
export function allocateTensor(file: string, key: string | undefined, dtype: DType, count: number): TensorData {
  try {
    return allocate(dtype, count);
  } catch (e) {
    if (e instanceof RangeError) {
      throw new CheckpointError(file, `tensor of ${count} ${dtype} elements is too large to hold in memory`, { key, cause: e });
    }
    throw e;
  }
}
