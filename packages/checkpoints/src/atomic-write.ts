// Writes go to a temporary name in the target's folder and are renamed into place, so a failure leaves nothing behind.
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Sequential writer handed to a write callback; buffers small writes. */
export interface ByteSink {
  /** Bytes written so far. */
  readonly position: number;
  write(bytes: Uint8Array): Promise<void>;
}

const BUFFER_SIZE = 1 << 20;

/** A sink that collects bytes in memory (for in-memory serialization). */
export class MemorySink implements ByteSink {
  position = 0;
  private readonly chunks: Uint8Array[] = [];
  async write(bytes: Uint8Array): Promise<void> {
    this.chunks.push(bytes.slice());
    this.position += bytes.length;
  }
  bytes(): Uint8Array {
    const out = new Uint8Array(this.position);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

class FileSink implements ByteSink {
  position = 0;
  private buffer = new Uint8Array(BUFFER_SIZE);
  private used = 0;
  constructor(private readonly handle: FileHandle) {}

  async write(bytes: Uint8Array): Promise<void> {
    this.position += bytes.length;
    if (this.used + bytes.length <= BUFFER_SIZE) {
      this.buffer.set(bytes, this.used);
      this.used += bytes.length;
      return;
    }
    await this.flush();
    if (bytes.length >= BUFFER_SIZE) {
      await writeAll(this.handle, bytes);
      return;
    }
    this.buffer.set(bytes, 0);
    this.used = bytes.length;
  }

  async flush(): Promise<void> {
    if (this.used > 0) await writeAll(this.handle, this.buffer.subarray(0, this.used));
    this.used = 0;
  }
}

async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.length - done);
    done += bytesWritten;
  }
}

function tempName(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

async function writeTemp(path: string, write: (sink: ByteSink) => Promise<void>): Promise<string> {
  const temp = tempName(path);
  const handle = await open(temp, 'wx');
  try {
    const sink = new FileSink(handle);
    await write(sink);
    await sink.flush();
    await handle.sync();
  } catch (e) {
    await handle.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw e;
  }
  await handle.close();
  return temp;
}

/** Writes a file through `write`, then renames it into place; on any error the target is untouched and no temp file remains. */
export async function writeFileAtomic(path: string, write: ((sink: ByteSink) => Promise<void>) | Uint8Array): Promise<void> {
  const fn = write instanceof Uint8Array ? (sink: ByteSink) => sink.write(write) : write;
  const temp = await writeTemp(path, fn);
  try {
    await rename(temp, path);
  } catch (e) {
    await rm(temp, { force: true });
    throw e;
  }
}

/** One file of a folder write. */
export interface FolderFile {
  name: string;
  write: ((sink: ByteSink) => Promise<void>) | Uint8Array;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Writes several files into `folder`. A new folder is built under a temporary name and renamed into place; in an
 * existing folder every file is first written to a temporary name, and only when all succeeded are they renamed.
 */
export async function writeFolderAtomic(folder: string, files: readonly FolderFile[]): Promise<void> {
  if (!(await isDirectory(folder))) {
    await mkdir(dirname(folder), { recursive: true });
    const temp = tempName(folder);
    await mkdir(temp);
    try {
      for (const f of files) await writeFileAtomic(join(temp, f.name), f.write);
      await rename(temp, folder);
    } catch (e) {
      await rm(temp, { recursive: true, force: true });
      throw e;
    }
    return;
  }
  const temps: [string, string][] = [];
  try {
    for (const f of files) {
      const target = join(folder, f.name);
      const fn = f.write instanceof Uint8Array ? ((bytes: Uint8Array) => (sink: ByteSink) => sink.write(bytes))(f.write) : f.write;
      temps.push([await writeTemp(target, fn), target]);
    }
  } catch (e) {
    for (const [temp] of temps) await rm(temp, { force: true });
    throw e;
  }
  for (const [temp, target] of temps) await rename(temp, target);
}
