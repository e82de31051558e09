// PyTorch's zip checkpoint (torch.save since 1.6): <archive>/data.pkl, <archive>/data/<key> storages,
// <archive>/version, optionally <archive>/byteorder. Read lazily; written so torch.load(weights_only=True) accepts it.
import { MemorySink, writeFileAtomic, type ByteSink } from './atomic-write.js';
import { numel, toBytes, toTorchStorage, type HostTensor } from './dtype.js';
import { InvalidTensorError, MissingEntryError, UnsupportedDTypeError, UnsupportedFormatError } from './errors.js';
import { unpickle } from './pickle.js';
import { PickleWriter } from './pickle-writer.js';
import type { ByteSource } from './source.js';
import { tensorProblem } from './tensor.js';
import { StorageRef, storagePid, torchGlobal, type TorchGlobalsContext } from './torch-pickle.js';
import { TorchReader } from './torch-reader.js';
import { ZipReader, ZipWriter, type ZipEntry } from './zip.js';

/** Opens a PyTorch zip checkpoint held by `source` (read lazily). */
export async function openTorchZip(source: ByteSource): Promise<TorchReader> {
  const file = source.name;
  const zip = await ZipReader.open(source);
  const names = [...zip.entries.keys()];
  const pkl = names.find((n) => /^[^/]+\/data\.pkl$/.test(n)) ?? names.find((n) => n === 'data.pkl' || n.endsWith('/data.pkl'));
  if (!pkl) {
    if (names.some((n) => n.endsWith('constants.pkl')) || names.some((n) => /(^|\/)code\//.test(n))) {
      throw new UnsupportedFormatError(file, 'this is a TorchScript archive (torch.jit.save), not a torch.save checkpoint');
    }
    throw new MissingEntryError(file, 'zip archive has no data.pkl record (not a PyTorch checkpoint)', { key: 'data.pkl' });
  }
  const prefix = pkl.slice(0, pkl.length - 'data.pkl'.length);
  const byteorderEntry = zip.entries.get(`${prefix}byteorder`);
  let bigEndian = false;
  if (byteorderEntry) {
    const text = new TextDecoder().decode(await zip.read(byteorderEntry)).trim();
    if (text !== 'little' && text !== 'big') throw new UnsupportedFormatError(file, `unknown byteorder "${text}"`, { key: byteorderEntry.name });
    bigEndian = text === 'big';
  }
  const pickleBytes = await zip.read(zip.entries.get(pkl) as ZipEntry);
  const ctx: TorchGlobalsContext = { file, key: pkl };
  const storages = new Map<string, StorageRef>();
  const { value } = unpickle(pickleBytes, {
    findGlobal: (module, name) => torchGlobal(ctx, module, name),
    persistentLoad: (pid) => {
      const { type, key, location, numel: count } = storagePid(ctx, pid);
      const id = `${key}\u0000${type.name}`;
      let ref = storages.get(id);
      if (!ref) {
        ref = new StorageRef(key, type, location, count);
        storages.set(id, ref);
      }
      return ref;
    },
  }, { file, key: pkl });
  const entryOf = (storage: StorageRef, tensorKey: string): ZipEntry => {
    const entry = zip.entries.get(`${prefix}data/${storage.key}`);
    if (!entry) throw new MissingEntryError(file, `storage record ${prefix}data/${storage.key} is missing`, { key: tensorKey });
    return entry;
  };
  return new TorchReader(file, 'torch-zip', value, {
    bigEndian,
    async byteLength(storage, tensorKey) {
      return entryOf(storage, tensorKey).size;
    },
    async read(storage, byteOffset, into, tensorKey) {
      await zip.read(entryOf(storage, tensorKey), byteOffset, into.length, into);
    },
    close: () => source.close(),
  });
}

/** What a torch zip file may hold: tensors, nested dicts and lists of them, and plain scalars. */
export type TorchValue = HostTensor | string | number | boolean | null | TorchValue[] | TorchDict;
/** A dict for `writeTorch`: a `Map` (an OrderedDict in the file) or a plain object (a dict). */
export type TorchDict = Map<string, TorchValue> | { [key: string]: TorchValue };

function isHostTensor(v: TorchValue): v is HostTensor {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Map) && 'dtype' in v && 'shape' in v && 'data' in v && ArrayBuffer.isView(v.data);
}

export interface TorchWriteOptions {
  /** Name of the archive folder inside the zip; PyTorch uses the file name without extension, `archive` is common. */
  archiveName?: string;
}

/**
 * Serializes `value` as PyTorch's zip format (protocol-2 pickle, one storage per tensor, records aligned to 64 bytes).
 * Maps become `collections.OrderedDict`, objects `dict`. Float scalars use BINFLOAT, which PyTorch 1.13's
 * `weights_only` loader does not accept (2.x does); tensors, ints, strings, bools and None load everywhere.
 */
async function writeTorchZip(file: string, sink: ByteSink, value: TorchValue, options: TorchWriteOptions): Promise<void> {
  const archive = options.archiveName ?? 'archive';
  if (!/^[A-Za-z0-9_.-]+$/.test(archive)) throw new InvalidTensorError(file, `archive name "${archive}" must be a plain file name`);
  const tensors: HostTensor[] = [];
  const p = new PickleWriter();
  const seen = new Set<object>();
  const emit = (v: TorchValue, path: string): void => {
    if (v === null) return p.none();
    if (typeof v === 'boolean') return p.bool(v);
    if (typeof v === 'string') return p.str(v);
    if (typeof v === 'number') {
      if (Number.isSafeInteger(v)) return p.int(v);
      return p.float(v);
    }
    if (seen.has(v)) throw new InvalidTensorError(file, 'the value contains a cycle', { key: path });
    seen.add(v);
    if (isHostTensor(v)) {
      const problem = tensorProblem(v);
      if (problem) throw new InvalidTensorError(file, problem, { key: path });
      const storage = toTorchStorage(v.dtype);
      if (!storage) throw new UnsupportedDTypeError(file, `${v.dtype} (PyTorch has no typed storage for it)`, { key: path });
      const key = String(tensors.length);
      tensors.push(v);
      p.tensorV2(storage, key, numel(v.shape), v.shape);
    } else if (Array.isArray(v)) {
      p.list(v.map((x, i) => () => emit(x, `${path}.${i}`)));
    } else {
      const entries: [string, TorchValue][] = v instanceof Map ? [...v] : Object.entries(v);
      p.dict(
        v instanceof Map,
        entries.map(([k, x]) => [k, () => emit(x, path === '' ? k : `${path}.${k}`)]),
      );
    }
    seen.delete(v);
  };
  emit(value, '');
  const pickle = p.finish();
  const zip = new ZipWriter(sink);
  await zip.add(`${archive}/data.pkl`, pickle, { align: 64 });
  await zip.add(`${archive}/byteorder`, new TextEncoder().encode('little'), { align: 64 });
  for (let i = 0; i < tensors.length; i++) await zip.add(`${archive}/data/${i}`, toBytes(tensors[i].data), { align: 64 });
  await zip.add(`${archive}/version`, new TextEncoder().encode('3\n'), { align: 64 });
  await zip.finish();
}

/** Writes a PyTorch zip checkpoint atomically (see `TorchValue` for what it may hold). */
export async function writeTorch(path: string, value: TorchValue, options: TorchWriteOptions = {}): Promise<void> {
  await writeFileAtomic(path, (sink) => writeTorchZip(path, sink, value, options));
}

/** A writer callback for folder writes. */
export function torchWriter(file: string, value: TorchValue, options: TorchWriteOptions = {}): (sink: ByteSink) => Promise<void> {
  return (sink) => writeTorchZip(file, sink, value, options);
}

/** The bytes of a PyTorch zip checkpoint, in memory. */
export async function serializeTorch(value: TorchValue, options: TorchWriteOptions = {}): Promise<Uint8Array> {
  const sink = new MemorySink();
  await writeTorchZip('<buffer>', sink, value, options);
  return sink.bytes();
}
