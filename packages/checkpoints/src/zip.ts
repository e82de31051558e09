// A small zip reader (stored and deflated entries, zip64) and a writer of stored, aligned entries.
// Layout per PKWARE APPNOTE.TXT 6.3: local headers + data, central directory, [zip64 end records], end record.
import * as zlib from 'node:zlib';
import type { ByteSink } from './atomic-write.js';
import { CorruptCheckpointError, TruncatedCheckpointError, UnsupportedFormatError } from './errors.js';
import type { ByteSource } from './source.js';

const LOCAL = 0x04034b50;
const CENTRAL = 0x02014b50;
const END = 0x06054b50;
const END64 = 0x06064b50;
const END64_LOCATOR = 0x07064b50;
const U32_MAX = 0xffffffff;
const U16_MAX = 0xffff;

export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflated. */
  method: number;
  flags: number;
  compressedSize: number;
  size: number;
  crc32: number;
  localHeaderOffset: number;
}

let CRC_TABLE: Uint32Array | undefined;

/** CRC-32 (zip's polynomial), continuing from `crc`. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  const native = (zlib as { crc32?: (d: Uint8Array, v?: number) => number }).crc32;
  if (typeof native === 'function') return native(bytes, crc);
  if (!CRC_TABLE) {
    CRC_TABLE = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      CRC_TABLE[n] = c >>> 0;
    }
  }
  let c = (crc ^ U32_MAX) >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ U32_MAX) >>> 0;
}

function u64(view: DataView, at: number): number {
  const v = view.getBigUint64(at, true);
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
}

/** Reads a zip archive's directory on open; entry data is read on demand, by offset. */
export class ZipReader {
  readonly file: string;
  private readonly dataOffsets = new Map<string, number>();

  private constructor(
    private readonly source: ByteSource,
    readonly entries: Map<string, ZipEntry>,
  ) {
    this.file = source.name;
  }

  static async open(source: ByteSource): Promise<ZipReader> {
    const file = source.name;
    const size = source.size;
    if (size < 22) throw new TruncatedCheckpointError(file, `${size} bytes is too short for a zip archive`);
    const tailLength = Math.min(size, 22 + U16_MAX);
    const tail = await source.read(size - tailLength, tailLength);
    const tv = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
    let endAt = -1;
    for (let i = tailLength - 22; i >= 0; i--) {
      if (tv.getUint32(i, true) === END && i + 22 + tv.getUint16(i + 20, true) <= tailLength) {
        endAt = i;
        break;
      }
    }
    if (endAt < 0) throw new TruncatedCheckpointError(file, 'zip end-of-central-directory record not found (truncated or not a zip)');
    let count = tv.getUint16(endAt + 10, true);
    let cdSize = tv.getUint32(endAt + 12, true);
    let cdOffset = tv.getUint32(endAt + 16, true);
    const endOffset = size - tailLength + endAt;
    if (endOffset >= 20) {
      const loc = await source.read(endOffset - 20, 20);
      const lv = new DataView(loc.buffer, loc.byteOffset, 20);
      if (lv.getUint32(0, true) === END64_LOCATOR) {
        const end64Offset = u64(lv, 8);
        if (end64Offset + 56 > endOffset) throw new CorruptCheckpointError(file, `zip64 end record offset ${end64Offset} is out of range`);
        const rec = await source.read(end64Offset, 56);
        const rv = new DataView(rec.buffer, rec.byteOffset, 56);
        if (rv.getUint32(0, true) !== END64) throw new CorruptCheckpointError(file, 'zip64 end record has a bad signature');
        count = u64(rv, 32);
        cdSize = u64(rv, 40);
        cdOffset = u64(rv, 48);
      }
    }
    if (cdOffset + cdSize > endOffset) {
      throw new TruncatedCheckpointError(file, `zip central directory [${cdOffset}, ${cdOffset + cdSize}) runs past its end record at ${endOffset}`);
    }
    if (count * 46 > cdSize) throw new CorruptCheckpointError(file, `zip central directory of ${cdSize} bytes cannot hold ${count} entries`);
    const cd = await source.read(cdOffset, cdSize);
    const cv = new DataView(cd.buffer, cd.byteOffset, cd.byteLength);
    const entries = new Map<string, ZipEntry>();
    const decoder = new TextDecoder('utf-8');
    let at = 0;
    for (let i = 0; i < count; i++) {
      if (at + 46 > cdSize || cv.getUint32(at, true) !== CENTRAL) {
        throw new CorruptCheckpointError(file, `zip central directory entry ${i} is malformed`);
      }
      const flags = cv.getUint16(at + 8, true);
      const method = cv.getUint16(at + 10, true);
      const crc = cv.getUint32(at + 16, true);
      let compressedSize = cv.getUint32(at + 20, true);
      let uncompressedSize = cv.getUint32(at + 24, true);
      const nameLength = cv.getUint16(at + 28, true);
      const extraLength = cv.getUint16(at + 30, true);
      const commentLength = cv.getUint16(at + 32, true);
      let localHeaderOffset = cv.getUint32(at + 42, true);
      const end = at + 46 + nameLength + extraLength + commentLength;
      if (end > cdSize) throw new CorruptCheckpointError(file, `zip central directory entry ${i} runs past the directory`);
      const name = decoder.decode(cd.subarray(at + 46, at + 46 + nameLength));
      // zip64 extended information: only the fields saturated in the fixed part, in this order
      let x = at + 46 + nameLength;
      const xEnd = x + extraLength;
      while (x + 4 <= xEnd) {
        const id = cv.getUint16(x, true);
        const len = cv.getUint16(x + 2, true);
        if (x + 4 + len > xEnd) break;
        if (id === 1) {
          let p = x + 4;
          const take = (): number => {
            if (p + 8 > x + 4 + len) throw new CorruptCheckpointError(file, 'zip64 extra field is too short', { key: name });
            const v = u64(cv, p);
            p += 8;
            return v;
          };
          if (uncompressedSize === U32_MAX) uncompressedSize = take();
          if (compressedSize === U32_MAX) compressedSize = take();
          if (localHeaderOffset === U32_MAX) localHeaderOffset = take();
        }
        x += 4 + len;
      }
      if (localHeaderOffset + 30 + compressedSize > cdOffset) {
        throw new CorruptCheckpointError(file, `zip entry data [${localHeaderOffset}, +${compressedSize}) overlaps the central directory`, { key: name });
      }
      entries.set(name, { name, method, flags, compressedSize, size: uncompressedSize, crc32: crc, localHeaderOffset });
      at = end;
    }
    return new ZipReader(source, entries);
  }

  /** File offset of an entry's data, from its local header. */
  async dataOffset(entry: ZipEntry): Promise<number> {
    const cached = this.dataOffsets.get(entry.name);
    if (cached !== undefined) return cached;
    const header = await this.source.read(entry.localHeaderOffset, 30);
    const hv = new DataView(header.buffer, header.byteOffset, 30);
    if (hv.getUint32(0, true) !== LOCAL) throw new CorruptCheckpointError(this.file, 'zip local header has a bad signature', { key: entry.name });
    const offset = entry.localHeaderOffset + 30 + hv.getUint16(26, true) + hv.getUint16(28, true);
    if (offset + entry.compressedSize > this.source.size) {
      throw new TruncatedCheckpointError(this.file, `zip entry data [${offset}, ${offset + entry.compressedSize}) runs past the end of the file`, { key: entry.name });
    }
    this.dataOffsets.set(entry.name, offset);
    return offset;
  }

  private check(entry: ZipEntry): void {
    if (entry.flags & 1) throw new UnsupportedFormatError(this.file, 'encrypted zip entries are not supported', { key: entry.name });
    if (entry.method !== 0 && entry.method !== 8) {
      throw new UnsupportedFormatError(this.file, `zip compression method ${entry.method} is not supported (only stored and deflate)`, { key: entry.name });
    }
    if (entry.method === 0 && entry.compressedSize !== entry.size) {
      throw new CorruptCheckpointError(this.file, `stored zip entry has compressed size ${entry.compressedSize} but size ${entry.size}`, { key: entry.name });
    }
  }

  private async inflate(entry: ZipEntry): Promise<Uint8Array> {
    const raw = await this.source.read(await this.dataOffset(entry), entry.compressedSize);
    let out: Buffer;
    try {
      out = zlib.inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.size) });
    } catch (e) {
      throw new CorruptCheckpointError(this.file, `zip entry does not inflate (${(e as Error).message})`, { key: entry.name, cause: e });
    }
    if (out.length !== entry.size) throw new CorruptCheckpointError(this.file, `zip entry inflates to ${out.length} bytes, not ${entry.size}`, { key: entry.name });
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  }

  /**
   * Reads `length` bytes at `offset` within an entry's (uncompressed) data, into `into` if given. A read of the
   * whole entry is checked against its CRC-32; stored entries are read in place, deflated ones are inflated.
   */
  async read(entry: ZipEntry, offset = 0, length = entry.size - offset, into?: Uint8Array): Promise<Uint8Array> {
    this.check(entry);
    if (offset < 0 || length < 0 || offset + length > entry.size) {
      throw new CorruptCheckpointError(this.file, `read of [${offset}, ${offset + length}) is outside the entry's ${entry.size} bytes`, { key: entry.name });
    }
    let out: Uint8Array;
    if (entry.method === 8) {
      const all = await this.inflate(entry);
      if (crc32(all) !== entry.crc32) throw new CorruptCheckpointError(this.file, 'zip entry fails its CRC-32 check', { key: entry.name });
      out = all.subarray(offset, offset + length);
      if (into) {
        into.set(out);
        out = into;
      }
      return out;
    }
    out = await this.source.read((await this.dataOffset(entry)) + offset, length, into);
    if (offset === 0 && length === entry.size && crc32(out) !== entry.crc32) {
      throw new CorruptCheckpointError(this.file, 'zip entry fails its CRC-32 check', { key: entry.name });
    }
    return out;
  }
}

export interface ZipAddOptions {
  /** Align the entry's data to this many bytes (PyTorch aligns to 64 so storages can be memory-mapped). */
  align?: number;
}

interface Written {
  name: Uint8Array;
  crc: number;
  size: number;
  offset: number;
}

/** Writes stored (uncompressed) entries to a sink; zip64 records are added when sizes or offsets need them. */
export class ZipWriter {
  private readonly written: Written[] = [];

  constructor(
    private readonly sink: ByteSink,
    private readonly options: { forceZip64?: boolean } = {},
  ) {}

  async add(name: string, data: Uint8Array, options: ZipAddOptions = {}): Promise<void> {
    const nameBytes = new TextEncoder().encode(name);
    const offset = this.sink.position;
    const size = data.length;
    const crc = crc32(data);
    const zip64 = this.options.forceZip64 || size >= U32_MAX;
    const z64Extra = zip64 ? 20 : 0;
    const align = options.align ?? 1;
    let pad = 0;
    if (align > 1) {
      const dataAt = offset + 30 + nameBytes.length + z64Extra;
      pad = (align - ((dataAt + 4) % align)) % align;
      // the padding field itself takes 4 bytes of header
      pad = pad + 4;
    }
    const extraLength = z64Extra + pad;
    const header = new Uint8Array(30 + nameBytes.length + extraLength);
    const hv = new DataView(header.buffer);
    hv.setUint32(0, LOCAL, true);
    hv.setUint16(4, zip64 ? 45 : 20, true);
    hv.setUint16(6, nameBytes.some((b) => b > 0x7f) ? 0x0800 : 0, true);
    hv.setUint16(8, 0, true);
    hv.setUint16(10, 0, true);
    hv.setUint16(12, 0x21, true); // 1980-01-01
    hv.setUint32(14, crc, true);
    hv.setUint32(18, zip64 ? U32_MAX : size, true);
    hv.setUint32(22, zip64 ? U32_MAX : size, true);
    hv.setUint16(26, nameBytes.length, true);
    hv.setUint16(28, extraLength, true);
    header.set(nameBytes, 30);
    let x = 30 + nameBytes.length;
    if (zip64) {
      hv.setUint16(x, 1, true);
      hv.setUint16(x + 2, 16, true);
      hv.setBigUint64(x + 4, BigInt(size), true);
      hv.setBigUint64(x + 12, BigInt(size), true);
      x += 20;
    }
    if (pad > 0) {
      hv.setUint16(x, 0x4246, true); // "FB", the id PyTorch uses for its padding field
      hv.setUint16(x + 2, pad - 4, true);
      header.fill(0x5a, x + 4, x + pad);
    }
    await this.sink.write(header);
    await this.sink.write(data);
    this.written.push({ name: nameBytes, crc, size, offset });
  }

  async finish(): Promise<void> {
    const cdOffset = this.sink.position;
    const force = !!this.options.forceZip64;
    for (const w of this.written) {
      const needSize = force || w.size >= U32_MAX;
      const needOffset = force || w.offset >= U32_MAX;
      const extra = (needSize ? 16 : 0) + (needOffset ? 8 : 0);
      const rec = new Uint8Array(46 + w.name.length + (extra ? extra + 4 : 0));
      const v = new DataView(rec.buffer);
      v.setUint32(0, CENTRAL, true);
      v.setUint16(4, extra ? 45 : 20, true);
      v.setUint16(6, extra ? 45 : 20, true);
      v.setUint16(8, w.name.some((b) => b > 0x7f) ? 0x0800 : 0, true);
      v.setUint16(10, 0, true);
      v.setUint16(12, 0, true);
      v.setUint16(14, 0x21, true);
      v.setUint32(16, w.crc, true);
      v.setUint32(20, needSize ? U32_MAX : w.size, true);
      v.setUint32(24, needSize ? U32_MAX : w.size, true);
      v.setUint16(28, w.name.length, true);
      v.setUint16(30, extra ? extra + 4 : 0, true);
      v.setUint32(42, needOffset ? U32_MAX : w.offset, true);
      rec.set(w.name, 46);
      if (extra) {
        let x = 46 + w.name.length;
        v.setUint16(x, 1, true);
        v.setUint16(x + 2, extra, true);
        x += 4;
        if (needSize) {
          v.setBigUint64(x, BigInt(w.size), true);
          v.setBigUint64(x + 8, BigInt(w.size), true);
          x += 16;
        }
        if (needOffset) v.setBigUint64(x, BigInt(w.offset), true);
      }
      await this.sink.write(rec);
    }
    const cdSize = this.sink.position - cdOffset;
    const count = this.written.length;
    const zip64 = force || count >= U16_MAX || cdOffset >= U32_MAX || cdSize >= U32_MAX;
    if (zip64) {
      const end64Offset = this.sink.position;
      const rec = new Uint8Array(56 + 20);
      const v = new DataView(rec.buffer);
      v.setUint32(0, END64, true);
      v.setBigUint64(4, 44n, true);
      v.setUint16(12, 45, true);
      v.setUint16(14, 45, true);
      v.setBigUint64(24, BigInt(count), true);
      v.setBigUint64(32, BigInt(count), true);
      v.setBigUint64(40, BigInt(cdSize), true);
      v.setBigUint64(48, BigInt(cdOffset), true);
      v.setUint32(56, END64_LOCATOR, true);
      v.setBigUint64(64, BigInt(end64Offset), true);
      v.setUint32(72, 1, true);
      await this.sink.write(rec);
    }
    const end = new Uint8Array(22);
    const ev = new DataView(end.buffer);
    ev.setUint32(0, END, true);
    ev.setUint16(8, Math.min(count, U16_MAX), true);
    ev.setUint16(10, Math.min(count, U16_MAX), true);
    ev.setUint32(12, Math.min(cdSize, U32_MAX), true);
    ev.setUint32(16, Math.min(cdOffset, U32_MAX), true);
    await this.sink.write(end);
  }
}
