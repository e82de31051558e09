// A restricted unpickler: it builds plain values and asks `findGlobal` for every global, which may refuse.
// Nothing from the file is ever run; REDUCE/NEWOBJ only call the `PyCallable`s that `findGlobal` handed out.
// Opcodes follow CPython's Lib/pickletools.py (protocols 0-5, minus the text-escaped strings and out-of-band buffers).
import { CorruptCheckpointError, UnsupportedFormatError } from './errors.js';

/** A Python tuple. */
export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}

/** A Python list (also used for sets). */
export class PyList {
  constructor(readonly items: PyValue[]) {}
}

/** A Python dict or OrderedDict, insertion-ordered. */
export class PyDict {
  readonly map = new Map<PyValue, PyValue>();
}

/** An allowed global that REDUCE/NEWOBJ may call. */
export abstract class PyCallable {
  abstract readonly qualname: string;
  abstract call(args: PyValue[]): PyValue;
}

/** Any other value an allowed global produces (tensor and storage references, dtypes). */
export abstract class PyOpaque {
  abstract readonly kind: string;
  /** Applies BUILD state; values without it refuse any state. */
  build?(state: PyValue): void;
}

export type PyValue = null | boolean | number | bigint | string | Uint8Array | PyTuple | PyList | PyDict | PyCallable | PyOpaque;

export interface UnpickleHooks {
  /** Resolves GLOBAL/STACK_GLOBAL; throws (e.g. `UnsafePickleError`) to refuse. */
  findGlobal(module: string, name: string): PyValue;
  /** Resolves BINPERSID/PERSID; throws when the file has none. */
  persistentLoad(pid: PyValue): PyValue;
}

/** Thrown inside `unpickle` when the buffer ends and more of the file exists (the caller retries with more bytes). */
export class NeedMoreData extends Error {
  override name = 'NeedMoreData';
}

const MARK = Symbol('mark');
type Slot = PyValue | typeof MARK;

/**
 * Unpickles one pickle starting at `start` of `bytes`; returns the value and the offset after STOP.
 * `file` and `key` name the source in errors. When `partial` is set, running off the end throws `NeedMoreData`.
 */
export function unpickle(
  bytes: Uint8Array,
  hooks: UnpickleHooks,
  where: { file: string; key?: string; start?: number; partial?: boolean },
): { value: PyValue; end: number } {
  const { file, key } = where;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let pos = where.start ?? 0;
  const stack: Slot[] = [];
  const marks: number[] = [];
  const memo = new Map<number, PyValue>();

  const fail = (problem: string): never => {
    throw new CorruptCheckpointError(file, `pickle: ${problem} at byte ${pos}`, { key });
  };
  const need = (n: number): void => {
    if (!Number.isSafeInteger(n) || n < 0) fail(`invalid length ${n}`);
    if (pos + n > bytes.length) {
      if (where.partial) throw new NeedMoreData();
      fail('unexpected end of data');
    }
  };
  const u8 = (): number => {
    need(1);
    return bytes[pos++];
  };
  const u16 = (): number => {
    need(2);
    const v = view.getUint16(pos, true);
    pos += 2;
    return v;
  };
  const u32 = (): number => {
    need(4);
    const v = view.getUint32(pos, true);
    pos += 4;
    return v;
  };
  const u64 = (): number => {
    need(8);
    const v = view.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail('length too large');
    return Number(v);
  };
  const take = (n: number): Uint8Array => {
    need(n);
    const out = bytes.subarray(pos, pos + n);
    pos += n;
    return out;
  };
  const text = (b: Uint8Array): string => {
    try {
      return utf8.decode(b);
    } catch {
      return fail('string is not valid UTF-8');
    }
  };
  const line = (): string => {
    const nl = bytes.indexOf(0x0a, pos);
    if (nl < 0) {
      if (where.partial) throw new NeedMoreData();
      fail('unterminated line');
    }
    const s = text(bytes.subarray(pos, nl));
    pos = nl + 1;
    return s;
  };
  const pop = (): PyValue => {
    const v = stack.pop();
    if (v === undefined) return fail('stack underflow');
    if (v === MARK) return fail('unexpected mark');
    return v;
  };
  const top = (): PyValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) return fail('stack underflow');
    return v;
  };
  const popMark = (): PyValue[] => {
    const m = marks.pop();
    if (m === undefined) return fail('no mark');
    const items = stack.splice(m);
    if (items[0] !== MARK) fail('mark mismatch');
    const out = items.slice(1);
    if (out.some((v) => v === MARK)) fail('nested mark');
    return out as PyValue[];
  };
  const push = (v: PyValue): void => {
    stack.push(v);
  };
  const long = (b: Uint8Array): number | bigint => {
    if (b.length === 0) return 0;
    if (b.length > 256) fail(`integer of ${b.length} bytes is too large`);
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const textInt = (s: string): number | bigint => {
    const t = s.endsWith('L') ? s.slice(0, -1) : s;
    if (t.length > 600 || !/^[-+]?\d+$/.test(t)) return fail(`bad integer "${s.slice(0, 40)}"`);
    const v = BigInt(t);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const call = (fn: PyValue, args: PyValue): PyValue => {
    if (!(fn instanceof PyCallable)) return fail(`cannot call a ${describe(fn)}`);
    if (!(args instanceof PyTuple)) return fail(`arguments of ${fn.qualname} are not a tuple`);
    return fn.call(args.items);
  };
  const setItems = (target: PyValue, items: PyValue[]): void => {
    if (!(target instanceof PyDict)) return fail(`cannot set items on a ${describe(target)}`);
    if (items.length % 2) fail('odd number of dict items');
    for (let i = 0; i < items.length; i += 2) target.map.set(items[i], items[i + 1]);
  };
  const append = (target: PyValue, items: PyValue[]): void => {
    if (!(target instanceof PyList)) return fail(`cannot append to a ${describe(target)}`);
    for (const it of items) target.items.push(it);
  };
  const global = (module: string, name: string): void => push(hooks.findGlobal(module, name));

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) fail('unsupported pickle protocol');
        break;
      case 0x95: // FRAME
        u64();
        break;
      case 0x2e: // STOP
        return { value: pop(), end: pos };
      case 0x28: // MARK
        marks.push(stack.length);
        stack.push(MARK);
        break;
      case 0x30: // POP
        if (stack.length && stack[stack.length - 1] === MARK) {
          stack.pop();
          marks.pop();
        } else pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        push(top());
        break;
      case 0x4e: // NONE
        push(null);
        break;
      case 0x88: // NEWTRUE
        push(true);
        break;
      case 0x89: // NEWFALSE
        push(false);
        break;
      case 0x4a: // BININT
        need(4);
        push(view.getInt32(pos, true));
        pos += 4;
        break;
      case 0x4b: // BININT1
        push(u8());
        break;
      case 0x4d: // BININT2
        push(u16());
        break;
      case 0x8a: // LONG1
        push(long(take(u8())));
        break;
      case 0x8b: {
        // LONG4
        need(4);
        const n = view.getInt32(pos, true);
        pos += 4;
        push(long(take(n)));
        break;
      }
      case 0x49: {
        // INT (text); "01"/"00" are True/False in protocol 0
        const s = line();
        push(s === '01' ? true : s === '00' ? false : textInt(s));
        break;
      }
      case 0x4c: // LONG (text)
        push(textInt(line()));
        break;
      case 0x46: {
        // FLOAT (text)
        const s = line().trim();
        const v = Number(s);
        if (s === '' || (Number.isNaN(v) && !/^[-+]?nan$/i.test(s))) fail(`bad float "${s}"`);
        push(v);
        break;
      }
      case 0x47: // BINFLOAT (big-endian)
        need(8);
        push(view.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x58: // BINUNICODE
        push(text(take(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        push(text(take(u8())));
        break;
      case 0x8d: // BINUNICODE8
        push(text(take(u64())));
        break;
      case 0x54: // BINSTRING (Python 2 str, decoded as UTF-8 like torch.load)
        need(4);
        {
          const n = view.getInt32(pos, true);
          pos += 4;
          push(text(take(n)));
        }
        break;
      case 0x55: // SHORT_BINSTRING
        push(text(take(u8())));
        break;
      case 0x42: // BINBYTES
        push(take(u32()).slice());
        break;
      case 0x43: // SHORT_BINBYTES
        push(take(u8()).slice());
        break;
      case 0x8e: // BINBYTES8
        push(take(u64()).slice());
        break;
      case 0x29: // EMPTY_TUPLE
        push(new PyTuple([]));
        break;
      case 0x85: // TUPLE1
        push(new PyTuple([pop()]));
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        const a = pop();
        push(new PyTuple([a, b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        const a = pop();
        push(new PyTuple([a, b, c]));
        break;
      }
      case 0x74: // TUPLE
        push(new PyTuple(popMark()));
        break;
      case 0x5d: // EMPTY_LIST
        push(new PyList([]));
        break;
      case 0x6c: // LIST
        push(new PyList(popMark()));
        break;
      case 0x61: {
        // APPEND
        const v = pop();
        append(top(), [v]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        append(top(), items);
        break;
      }
      case 0x7d: // EMPTY_DICT
        push(new PyDict());
        break;
      case 0x64: {
        // DICT
        const d = new PyDict();
        setItems(d, popMark());
        push(d);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x8f: // EMPTY_SET
        push(new PyList([]));
        break;
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        append(top(), items);
        break;
      }
      case 0x91: // FROZENSET
        push(new PyList(popMark()));
        break;
      case 0x63: {
        // GLOBAL
        const module = line();
        global(module, line());
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        global(module as string, name as string);
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const fn = pop();
        push(call(fn, args));
        break;
      }
      case 0x81: {
        // NEWOBJ
        const args = pop();
        const cls = pop();
        push(call(cls, args));
        break;
      }
      case 0x92: {
        // NEWOBJ_EX
        const kwargs = pop();
        const args = pop();
        const cls = pop();
        if (!(kwargs instanceof PyDict) || kwargs.map.size > 0) fail('keyword arguments are not supported');
        push(call(cls, args));
        break;
      }
      case 0x62: {
        // BUILD: dict state on a dict is an OrderedDict's attributes (torch.save(state_dict) stores `_metadata`
        // there, as every HF pytorch_model.bin does): ignored. Otherwise no state at all.
        const state = pop();
        const target = top();
        if (state === null) break;
        if (target instanceof PyDict && state instanceof PyDict) break;
        if (target instanceof PyOpaque && target.build) {
          target.build(state);
          break;
        }
        fail(`cannot set state on a ${describe(target)}`);
        break;
      }
      case 0x51: // BINPERSID
        push(hooks.persistentLoad(pop()));
        break;
      case 0x50: // PERSID
        push(hooks.persistentLoad(line()));
        break;
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x70: // PUT
        memo.set(Number(textInt(line())), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
      case 0x6a: // LONG_BINGET
      case 0x67: {
        // GET
        const i = op === 0x68 ? u8() : op === 0x6a ? u32() : Number(textInt(line()));
        const v = memo.get(i);
        if (v === undefined) fail(`memo entry ${i} is missing`);
        push(v as PyValue);
        break;
      }
      case 0x69: // INST
      case 0x6f: // OBJ
      case 0x82: // EXT1
      case 0x83: // EXT2
      case 0x84: // EXT4
      case 0x96: // BYTEARRAY8
      case 0x97: // NEXT_BUFFER
      case 0x98: // READONLY_BUFFER
      case 0x53: // STRING (text-escaped)
      case 0x56: // UNICODE (text-escaped)
        throw new UnsupportedFormatError(file, `pickle opcode 0x${op.toString(16)} is not supported in state dicts`, { key });
      default:
        fail(`unknown opcode 0x${op.toString(16)}`);
    }
  }
}

/** A short type name for error messages. */
export function describe(v: PyValue | undefined): string {
  if (v === null) return 'None';
  if (v === undefined) return 'nothing';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'string') return 'str';
  if (v instanceof Uint8Array) return 'bytes';
  if (v instanceof PyTuple) return 'tuple';
  if (v instanceof PyList) return 'list';
  if (v instanceof PyDict) return 'dict';
  if (v instanceof PyCallable) return v.qualname;
  return v.kind;
}
