// The Python globals a PyTorch state dict may use, and the tensor/storage references they build.
// Anything not listed here is refused before it is even looked up (UnsafePickleError).
import { dtypeSize, fromTorchStorage, type DType } from './dtype.js';
import { CorruptCheckpointError, UnsafePickleError, UnsupportedFormatError } from './errors.js';
import { describe, PyCallable, PyDict, PyList, PyOpaque, PyTuple, type PyValue } from './pickle.js';

/** `torch.<X>Storage`: the element type of a storage (undefined when this package cannot hold it). */
export class StorageType extends PyOpaque {
  readonly kind = 'storage type';
  constructor(
    readonly name: string,
    readonly dtype: DType | undefined,
  ) {
    super();
  }
}

/** `torch.<dtype>` as a value (used by `_rebuild_tensor_v3`). */
export class TorchDType extends PyOpaque {
  readonly kind = 'dtype';
  constructor(
    readonly name: string,
    readonly dtype: DType | undefined,
  ) {
    super();
  }
}

/** A storage in the file: `key` names its zip record (or legacy slot); sizes are in elements of `type`. */
export class StorageRef extends PyOpaque {
  readonly kind = 'storage';
  constructor(
    readonly key: string,
    readonly type: StorageType,
    /** Where it was saved (`cpu`, `cuda:0`...); every storage is read to host memory. */
    readonly location: string,
    /** Elements of `type` the pickle declares. */
    readonly numel: number,
    /** Legacy-format views into a larger root storage: offset in elements. */
    readonly viewOffset = 0,
  ) {
    super();
  }
  get byteLength(): number {
    return this.numel * (this.type.dtype ? dtypeSize(this.type.dtype) : 1);
  }
}

/** A tensor as the pickle describes it: a strided view of a storage, not yet read. */
export class TensorRef extends PyOpaque {
  readonly kind = 'tensor';
  constructor(
    readonly storage: StorageRef,
    /** Element type; `undefined` when the storage type is one this package cannot hold. */
    readonly dtype: DType | undefined,
    readonly dtypeName: string,
    /** Offset into the storage, in elements of `dtype`. */
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
    readonly requiresGrad: boolean,
  ) {
    super();
  }
}

class Fn extends PyCallable {
  constructor(
    readonly qualname: string,
    private readonly fn: (args: PyValue[]) => PyValue,
  ) {
    super();
  }
  call(args: PyValue[]): PyValue {
    return this.fn(args);
  }
}

const TORCH_DTYPES: Record<string, DType | undefined> = {
  float32: 'float32',
  float: 'float32',
  float64: 'float64',
  double: 'float64',
  float16: 'float16',
  half: 'float16',
  bfloat16: 'bfloat16',
  int64: 'int64',
  long: 'int64',
  int32: 'int32',
  int: 'int32',
  int16: 'int16',
  short: 'int16',
  int8: 'int8',
  uint8: 'uint8',
  uint16: 'uint16',
  uint32: 'uint32',
  uint64: undefined,
  bool: 'bool',
  complex32: undefined,
  complex64: undefined,
  complex128: undefined,
  cfloat: undefined,
  cdouble: undefined,
  float8_e4m3fn: undefined,
  float8_e5m2: undefined,
  qint8: undefined,
  quint8: undefined,
  qint32: undefined,
};

const STORAGE_NAMES = [
  'FloatStorage',
  'DoubleStorage',
  'HalfStorage',
  'BFloat16Storage',
  'LongStorage',
  'IntStorage',
  'ShortStorage',
  'CharStorage',
  'ByteStorage',
  'BoolStorage',
  'ComplexFloatStorage',
  'ComplexDoubleStorage',
  'QInt8Storage',
  'QUInt8Storage',
  'QInt32Storage',
  'QUInt4x2Storage',
  'QUInt2x4Storage',
];

/** Rebuild functions PyTorch allows for tensors this package cannot represent. */
const UNSUPPORTED_TENSORS: Record<string, string> = {
  'torch._utils._rebuild_sparse_tensor': 'sparse tensors',
  'torch._utils._rebuild_sparse_csr_tensor': 'sparse tensors',
  'torch._utils._rebuild_meta_tensor_no_storage': 'meta tensors (they have no data)',
  'torch._utils._rebuild_qtensor': 'quantized tensors',
  'torch._utils._rebuild_nested_tensor': 'nested tensors',
  'torch._utils._rebuild_wrapper_subclass': 'tensor subclasses',
  'torch._utils._rebuild_device_tensor_from_numpy': 'numpy-backed tensors',
  'torch._utils._rebuild_xla_tensor': 'XLA tensors',
};

export interface TorchGlobalsContext {
  file: string;
  /** The pickle being read (zip record name), for error messages. */
  key?: string;
}

function intOf(ctx: TorchGlobalsContext, v: PyValue, what: string): number {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  throw new CorruptCheckpointError(ctx.file, `${what} is a ${describe(v)}, not an integer`, { key: ctx.key });
}

function intTuple(ctx: TorchGlobalsContext, v: PyValue, what: string): number[] {
  if (!(v instanceof PyTuple) && !(v instanceof PyList)) {
    throw new CorruptCheckpointError(ctx.file, `${what} is a ${describe(v)}, not a tuple`, { key: ctx.key });
  }
  return v.items.map((x) => intOf(ctx, x, what));
}

function rebuildTensor(ctx: TorchGlobalsContext, qualname: string, args: PyValue[], dtypeArg?: PyValue): TensorRef {
  const [storage, offset, size, stride, requiresGrad] = args;
  if (!(storage instanceof StorageRef)) {
    throw new CorruptCheckpointError(ctx.file, `${qualname} got a ${describe(storage)} instead of a storage`, { key: ctx.key });
  }
  const shape = intTuple(ctx, size ?? null, 'tensor size');
  const strides = intTuple(ctx, stride ?? null, 'tensor stride');
  const off = intOf(ctx, offset ?? null, 'storage offset');
  if (shape.length !== strides.length) {
    throw new CorruptCheckpointError(ctx.file, `tensor size (${shape}) and stride (${strides}) differ in length`, { key: ctx.key });
  }
  if (shape.some((d) => d < 0) || strides.some((s) => s < 0) || off < 0) {
    throw new CorruptCheckpointError(ctx.file, `negative tensor size, stride or offset`, { key: ctx.key });
  }
  let dtype = storage.type.dtype;
  let dtypeName = storage.type.name;
  if (dtypeArg !== undefined) {
    if (!(dtypeArg instanceof TorchDType)) {
      throw new CorruptCheckpointError(ctx.file, `${qualname} got a ${describe(dtypeArg)} instead of a dtype`, { key: ctx.key });
    }
    dtype = dtypeArg.dtype;
    dtypeName = `torch.${dtypeArg.name}`;
  }
  return new TensorRef(storage, dtype, dtypeName, off, shape, strides, requiresGrad === true);
}

/**
 * Resolves a pickle global against the state-dict allow-list. Tensor rebuild functions, storage classes, dtypes,
 * OrderedDict and a few harmless builtins pass; anything else throws `UnsafePickleError` naming the global.
 */
export function torchGlobal(ctx: TorchGlobalsContext, module: string, name: string): PyValue {
  const qualname = `${module}.${name}`;
  const fn = (f: (args: PyValue[]) => PyValue): Fn => new Fn(qualname, f);
  if (module === 'torch' || module === 'torch.storage') {
    if (STORAGE_NAMES.includes(name)) return new StorageType(name, fromTorchStorage(name));
    if (name === 'UntypedStorage' || name === '_UntypedStorage') return new StorageType(name, 'uint8');
  }
  if (module === 'torch' && Object.prototype.hasOwnProperty.call(TORCH_DTYPES, name)) return new TorchDType(name, TORCH_DTYPES[name]);
  if (UNSUPPORTED_TENSORS[qualname]) {
    throw new UnsupportedFormatError(ctx.file, `${UNSUPPORTED_TENSORS[qualname]} (${qualname}) are not supported`, { key: ctx.key });
  }
  switch (qualname) {
    case 'collections.OrderedDict':
      return fn((args) => {
        const d = new PyDict();
        const init = args[0];
        if (init instanceof PyList || init instanceof PyTuple) {
          for (const pair of init.items) {
            if (!(pair instanceof PyTuple) || pair.items.length !== 2) {
              throw new CorruptCheckpointError(ctx.file, 'OrderedDict items are not pairs', { key: ctx.key });
            }
            d.map.set(pair.items[0], pair.items[1]);
          }
        }
        return d;
      });
    case 'torch._utils._rebuild_tensor':
    case 'torch._utils._rebuild_tensor_v2':
      return fn((args) => rebuildTensor(ctx, qualname, args));
    case 'torch._utils._rebuild_tensor_v3':
      return fn((args) => rebuildTensor(ctx, qualname, args, args[6] ?? null));
    case 'torch._utils._rebuild_parameter':
    case 'torch._utils._rebuild_parameter_with_state':
      return fn((args) => {
        const data = args[0];
        if (!(data instanceof TensorRef)) {
          throw new CorruptCheckpointError(ctx.file, `${qualname} got a ${describe(data)} instead of a tensor`, { key: ctx.key });
        }
        return data;
      });
    case 'torch._tensor._rebuild_from_type_v2':
      return fn((args) => {
        const [inner, , innerArgs] = args;
        if (!(inner instanceof PyCallable) || !(innerArgs instanceof PyTuple)) {
          throw new CorruptCheckpointError(ctx.file, `${qualname} has malformed arguments`, { key: ctx.key });
        }
        return inner.call(innerArgs.items);
      });
    case 'torch.nn.parameter.Parameter':
      return fn((args) => {
        if (!(args[0] instanceof TensorRef)) {
          throw new CorruptCheckpointError(ctx.file, `Parameter got a ${describe(args[0])} instead of a tensor`, { key: ctx.key });
        }
        return args[0];
      });
    case 'torch.Tensor':
      return fn(() => {
        throw new UnsupportedFormatError(ctx.file, 'tensors built by torch.Tensor() are not supported', { key: ctx.key });
      });
    case 'torch.Size':
      return fn((args) => new PyTuple(intTuple(ctx, args[0] ?? new PyTuple([]), 'torch.Size')));
    case 'torch.device':
      return fn((args) => args.map((a) => String(a)).join(':'));
    case 'torch.serialization._get_layout':
      return fn((args) => String(args[0]));
    case 'builtins.set':
    case 'builtins.frozenset':
    case '__builtin__.set':
    case '__builtin__.frozenset':
      return fn((args) => {
        const init = args[0];
        return new PyList(init instanceof PyList || init instanceof PyTuple ? [...init.items] : []);
      });
    case 'builtins.bytearray':
    case '_codecs.encode':
      return fn((args) => {
        const [value, encoding] = args;
        if (value instanceof Uint8Array) return value;
        if (typeof value === 'string' && (encoding === undefined || encoding === 'latin1' || encoding === 'latin-1')) {
          const out = new Uint8Array(value.length);
          for (let i = 0; i < value.length; i++) {
            const c = value.charCodeAt(i);
            if (c > 0xff) throw new CorruptCheckpointError(ctx.file, `${qualname}: character outside latin-1`, { key: ctx.key });
            out[i] = c;
          }
          return out;
        }
        if (value === undefined) return new Uint8Array(0);
        throw new CorruptCheckpointError(ctx.file, `${qualname} with unsupported arguments`, { key: ctx.key });
      });
  }
  throw new UnsafePickleError(ctx.file, qualname, { key: ctx.key });
}

/** Reads a `('storage', StorageType, key, location, numel[, view])` persistent id's common fields. */
export function storagePid(ctx: TorchGlobalsContext, pid: PyValue): { type: StorageType; key: string; location: string; numel: number; view: PyValue } {
  if (!(pid instanceof PyTuple) || pid.items.length < 5) {
    throw new CorruptCheckpointError(ctx.file, `persistent id is a ${describe(pid)}, not a storage tuple`, { key: ctx.key });
  }
  const [tag, type, key, location, numel, view] = pid.items;
  const tagText = tag instanceof Uint8Array ? new TextDecoder().decode(tag) : tag;
  if (tagText === 'module') throw new UnsupportedFormatError(ctx.file, 'the file pickles a whole nn.Module, not a state dict', { key: ctx.key });
  if (tagText !== 'storage') throw new CorruptCheckpointError(ctx.file, `persistent id of type ${String(tagText)} (only storages are allowed)`, { key: ctx.key });
  if (!(type instanceof StorageType)) throw new CorruptCheckpointError(ctx.file, `storage type is a ${describe(type)}`, { key: ctx.key });
  if (typeof key !== 'string' && typeof key !== 'number') throw new CorruptCheckpointError(ctx.file, `storage key is a ${describe(key)}`, { key: ctx.key });
  return { type, key: String(key), location: typeof location === 'string' ? location : String(location), numel: intOf(ctx, numel, 'storage size'), view: view ?? null };
}

/** Dotted names for every tensor in a nested dict/list structure, plus the other leaves. */
export function flattenTorch(file: string, root: PyValue): { tensors: Map<string, TensorRef>; values: Map<string, PyValue> } {
  const tensors = new Map<string, TensorRef>();
  const values = new Map<string, PyValue>();
  const ancestors = new Set<PyValue>();
  const keyText = (k: PyValue): string =>
    typeof k === 'string' ? k : typeof k === 'number' || typeof k === 'bigint' || typeof k === 'boolean' ? String(k) : k === null ? 'None' : `<${describe(k)}>`;
  let budget = 5_000_000;
  const visit = (v: PyValue, path: string, depth: number): void => {
    if (--budget < 0) throw new UnsupportedFormatError(file, 'the object graph is too large (shared sub-objects?)');
    if (depth > 64) throw new UnsupportedFormatError(file, 'nesting deeper than 64 levels', { key: path });
    if (v instanceof TensorRef) {
      if (tensors.has(path)) throw new UnsupportedFormatError(file, 'two tensors flatten to the same name', { key: path });
      tensors.set(path, v);
      return;
    }
    if (v instanceof PyDict || v instanceof PyList || v instanceof PyTuple) {
      if (ancestors.has(v)) throw new CorruptCheckpointError(file, 'the object graph has a cycle', { key: path });
      ancestors.add(v);
      const items: [string, PyValue][] =
        v instanceof PyDict ? [...v.map].map(([k, x]) => [keyText(k), x]) : v.items.map((x, i) => [String(i), x]);
      for (const [k, x] of items) visit(x, path === '' ? k : `${path}.${k}`, depth + 1);
      ancestors.delete(v);
      return;
    }
    values.set(path, v);
  };
  visit(root, '', 0);
  return { tensors, values };
}
