// PyTorch's legacy checkpoint (torch.save before 1.6, or _use_new_zipfile_serialization=False): five pickles in a
// row (magic number, protocol 1001, sys info, the object, the sorted storage keys), then for each key an int64
// element count and the raw storage bytes (torch/serialization.py `_legacy_save` / `_legacy_load`).
import { dtypeSize } from './dtype.js';
import { CorruptCheckpointError, TruncatedCheckpointError } from './errors.js';
import { NeedMoreData, PyDict, PyList, PyTuple, unpickle, type PyValue } from './pickle.js';
import type { ByteSource } from './source.js';
import { StorageRef, storagePid, torchGlobal, type TorchGlobalsContext } from './torch-pickle.js';
import { TorchReader } from './torch-reader.js';

/** 0x1950a86a20f9469cfc6c, the first pickle of every legacy file. */
export const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const PROTOCOL_VERSION = 1001;

function noGlobals(file: string): { findGlobal(m: string, n: string): PyValue; persistentLoad(): PyValue } {
  return {
    findGlobal: (m, n) => {
      throw new CorruptCheckpointError(file, `unexpected global ${m}.${n} in the legacy header`);
    },
    persistentLoad: () => {
      throw new CorruptCheckpointError(file, 'unexpected persistent id in the legacy header');
    },
  };
}

interface Parsed {
  root: PyValue;
  keys: string[];
  dataStart: number;
  bigEndian: boolean;
  roots: Map<string, StorageRef>;
}

function parse(file: string, bytes: Uint8Array, partial: boolean): Parsed {
  const plain = noGlobals(file);
  const magic = unpickle(bytes, plain, { file, key: 'magic number', partial });
  if (magic.value !== LEGACY_MAGIC) throw new CorruptCheckpointError(file, 'bad magic number: not a legacy PyTorch checkpoint');
  const protocol = unpickle(bytes, plain, { file, key: 'protocol', partial, start: magic.end });
  if (protocol.value !== PROTOCOL_VERSION) throw new CorruptCheckpointError(file, `unsupported legacy protocol ${String(protocol.value)}`);
  const sysInfo = unpickle(bytes, plain, { file, key: 'sys info', partial, start: protocol.end });
  let bigEndian = false;
  if (sysInfo.value instanceof PyDict && sysInfo.value.map.get('little_endian') === false) bigEndian = true;
  const ctx: TorchGlobalsContext = { file, key: 'object pickle' };
  const roots = new Map<string, StorageRef>();
  const views = new Map<string, StorageRef>();
  const object = unpickle(
    bytes,
    {
      findGlobal: (module, name) => torchGlobal(ctx, module, name),
      persistentLoad: (pid) => {
        const { type, key, location, numel, view } = storagePid(ctx, pid);
        let root = roots.get(key);
        if (!root) {
          root = new StorageRef(key, type, location, numel);
          roots.set(key, root);
        }
        if (view === null) return root;
        if (!(view instanceof PyTuple) || view.items.length !== 3) throw new CorruptCheckpointError(file, 'malformed storage view metadata', { key: ctx.key });
        const [viewKey, offset, size] = view.items;
        if (typeof offset !== 'number' || typeof size !== 'number' || offset < 0 || size < 0 || offset + size > numel) {
          throw new CorruptCheckpointError(file, 'storage view is out of range', { key: ctx.key });
        }
        const id = String(viewKey);
        let v = views.get(id);
        if (!v) {
          v = new StorageRef(key, type, location, size, offset);
          views.set(id, v);
        }
        return v;
      },
    },
    { file, key: ctx.key, partial, start: sysInfo.end },
  );
  const keyList = unpickle(bytes, plain, { file, key: 'storage keys', partial, start: object.end });
  if (!(keyList.value instanceof PyList) || !keyList.value.items.every((k) => typeof k === 'string')) {
    throw new CorruptCheckpointError(file, 'storage key list is malformed', { key: 'storage keys' });
  }
  return { root: object.value, keys: keyList.value.items as string[], dataStart: keyList.end, bigEndian, roots };
}

/** Opens a legacy PyTorch checkpoint: reads the pickles at the start of the file, storages on demand. */
export async function openTorchLegacy(source: ByteSource): Promise<TorchReader> {
  const file = source.name;
  let length = Math.min(source.size, 1 << 16);
  let parsed: Parsed;
  for (;;) {
    const bytes = await source.read(0, length);
    try {
      parsed = parse(file, bytes, length < source.size);
      break;
    } catch (e) {
      if (!(e instanceof NeedMoreData)) throw e;
      length = Math.min(source.size, length * 4);
    }
  }
  const { root, keys, dataStart, bigEndian, roots } = parsed;
  let table: Map<string, { offset: number; bytes: number }> | undefined;
  const locate = async (): Promise<Map<string, { offset: number; bytes: number }>> => {
    if (table) return table;
    const out = new Map<string, { offset: number; bytes: number }>();
    let at = dataStart;
    for (const key of keys) {
      const ref = roots.get(key);
      if (!ref) throw new CorruptCheckpointError(file, `storage ${key} is listed but no tensor uses it`, { key: 'storage keys' });
      const head = await source.read(at, 8);
      const count = new DataView(head.buffer, head.byteOffset, 8).getBigInt64(0, !bigEndian);
      const size = ref.type.dtype ? dtypeSize(ref.type.dtype) : 1;
      if (count < 0n || count * BigInt(size) > BigInt(source.size - at - 8)) {
        throw new TruncatedCheckpointError(file, `storage ${key} declares ${count} elements, more than the file holds`);
      }
      const bytes = Number(count) * size;
      out.set(key, { offset: at + 8, bytes });
      at += 8 + bytes;
    }
    table = out;
    return out;
  };
  return new TorchReader(file, 'torch-legacy', root, {
    bigEndian,
    async byteLength(storage, tensorKey) {
      const slot = (await locate()).get(storage.key);
      if (!slot) throw new CorruptCheckpointError(file, `storage ${storage.key} is not in the file's storage list`, { key: tensorKey });
      return slot.bytes;
    },
    async read(storage, byteOffset, into, tensorKey) {
      const slot = (await locate()).get(storage.key);
      if (!slot) throw new CorruptCheckpointError(file, `storage ${storage.key} is not in the file's storage list`, { key: tensorKey });
      await source.read(slot.offset + byteOffset, into.length, into);
    },
    close: () => source.close(),
  });
}
