// Emits the protocol-2 pickle opcodes a PyTorch state dict needs, in the shapes torch.save produces.
import { contiguousStrides } from './dtype.js';

const BATCH = 1000;

export class PickleWriter {
  private buf = new Uint8Array(4096);
  private len = 0;
  private readonly encoder = new TextEncoder();

  constructor() {
    this.bytes(0x80, 2); // PROTO 2
  }

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  private bytes(...bs: number[]): void {
    this.ensure(bs.length);
    for (const b of bs) this.buf[this.len++] = b;
  }

  private raw(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  private u32(v: number): void {
    this.ensure(4);
    new DataView(this.buf.buffer).setUint32(this.len, v, true);
    this.len += 4;
  }

  none(): void {
    this.bytes(0x4e);
  }

  bool(v: boolean): void {
    this.bytes(v ? 0x88 : 0x89);
  }

  int(v: number): void {
    if (v >= 0 && v < 0x100) return this.bytes(0x4b, v); // BININT1
    if (v >= 0 && v < 0x10000) return this.bytes(0x4d, v & 0xff, v >> 8); // BININT2
    if (v >= -0x80000000 && v <= 0x7fffffff) {
      this.bytes(0x4a); // BININT
      this.ensure(4);
      new DataView(this.buf.buffer).setInt32(this.len, v, true);
      this.len += 4;
      return;
    }
    // LONG1: little-endian two's complement, shortest form
    let x = BigInt(v);
    const out: number[] = [];
    for (;;) {
      const byte = Number(x & 0xffn);
      out.push(byte);
      x >>= 8n;
      if ((x === 0n && !(byte & 0x80)) || (x === -1n && byte & 0x80)) break;
    }
    this.bytes(0x8a, out.length, ...out);
  }

  float(v: number): void {
    this.bytes(0x47); // BINFLOAT, big-endian
    this.ensure(8);
    new DataView(this.buf.buffer).setFloat64(this.len, v, false);
    this.len += 8;
  }

  str(s: string): void {
    const b = this.encoder.encode(s);
    this.bytes(0x58); // BINUNICODE
    this.u32(b.length);
    this.raw(b);
  }

  global(module: string, name: string): void {
    this.bytes(0x63);
    this.raw(this.encoder.encode(`${module}\n${name}\n`));
  }

  private mark(): void {
    this.bytes(0x28);
  }

  intTuple(xs: readonly number[]): void {
    if (xs.length === 0) return this.bytes(0x29);
    if (xs.length > 3) this.mark();
    for (const x of xs) this.int(x);
    this.bytes(xs.length === 1 ? 0x85 : xs.length === 2 ? 0x86 : xs.length === 3 ? 0x87 : 0x74);
  }

  private orderedDict(): void {
    this.global('collections', 'OrderedDict');
    this.bytes(0x29, 0x52); // EMPTY_TUPLE, REDUCE
  }

  /** A dict (or OrderedDict) whose values are emitted by callbacks, in batches of SETITEMS like CPython. */
  dict(ordered: boolean, entries: [string, () => void][]): void {
    if (ordered) this.orderedDict();
    else this.bytes(0x7d); // EMPTY_DICT
    for (let i = 0; i < entries.length; i += BATCH) {
      this.mark();
      for (const [k, emit] of entries.slice(i, i + BATCH)) {
        this.str(k);
        emit();
      }
      this.bytes(0x75); // SETITEMS
    }
  }

  list(items: (() => void)[]): void {
    this.bytes(0x5d); // EMPTY_LIST
    for (let i = 0; i < items.length; i += BATCH) {
      this.mark();
      for (const emit of items.slice(i, i + BATCH)) emit();
      this.bytes(0x65); // APPENDS
    }
  }

  /** `_rebuild_tensor_v2(('storage', torch.<Storage>, key, 'cpu', numel), 0, shape, strides, False, OrderedDict())`. */
  tensorV2(storage: string, key: string, numel: number, shape: readonly number[]): void {
    this.global('torch._utils', '_rebuild_tensor_v2');
    this.mark();
    this.mark();
    this.str('storage');
    this.global('torch', storage);
    this.str(key);
    this.str('cpu');
    this.int(numel);
    this.bytes(0x74, 0x51); // TUPLE, BINPERSID
    this.int(0);
    this.intTuple(shape);
    this.intTuple(contiguousStrides(shape));
    this.bool(false);
    this.orderedDict();
    this.bytes(0x74, 0x52); // TUPLE, REDUCE
  }

  finish(): Uint8Array {
    this.bytes(0x2e); // STOP
    return this.buf.slice(0, this.len);
  }
}
