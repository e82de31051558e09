// Element types as checkpoint files store them, and the typed arrays that hold them on the host.

/** Element type of a host tensor. `float16`/`bfloat16` hold raw bits in a `Uint16Array`; `bool` holds 0/1 bytes. */
export type DType =
  | 'float64'
  | 'float32'
  | 'float16'
  | 'bfloat16'
  | 'int64'
  | 'int32'
  | 'int16'
  | 'int8'
  | 'uint32'
  | 'uint16'
  | 'uint8'
  | 'bool';

/** The typed arrays a host tensor's `data` can be. */
export type TensorData =
  | Float64Array
  | Float32Array
  | BigInt64Array
  | Int32Array
  | Uint32Array
  | Int16Array
  | Uint16Array
  | Int8Array
  | Uint8Array;

/**
 * A tensor in host memory, row-major and contiguous: the structural type `@lorats/core` loads. (safetensors `U64`
 * is refused: a `BigUint64Array` would not fit that type, and no PyTorch state dict needs it.)
 */
export interface HostTensor {
  dtype: DType;
  shape: number[];
  data: TensorData;
}

/** Tensors by name, in file order. */
export type StateDict = Map<string, HostTensor>;

interface DTypeInfo {
  size: number;
  /** safetensors header spelling. */
  safetensors: string;
  /** `torch.<X>Storage` class name, where PyTorch has one. */
  storage?: string;
  /** Order used by the safetensors library when it writes a file (larger first). */
  safetensorsRank: number;
}

const INFO: Record<DType, DTypeInfo> = {
  bool: { size: 1, safetensors: 'BOOL', storage: 'BoolStorage', safetensorsRank: 0 },
  uint8: { size: 1, safetensors: 'U8', storage: 'ByteStorage', safetensorsRank: 1 },
  int8: { size: 1, safetensors: 'I8', storage: 'CharStorage', safetensorsRank: 2 },
  int16: { size: 2, safetensors: 'I16', storage: 'ShortStorage', safetensorsRank: 5 },
  uint16: { size: 2, safetensors: 'U16', safetensorsRank: 6 },
  float16: { size: 2, safetensors: 'F16', storage: 'HalfStorage', safetensorsRank: 7 },
  bfloat16: { size: 2, safetensors: 'BF16', storage: 'BFloat16Storage', safetensorsRank: 8 },
  int32: { size: 4, safetensors: 'I32', storage: 'IntStorage', safetensorsRank: 9 },
  uint32: { size: 4, safetensors: 'U32', safetensorsRank: 10 },
  float32: { size: 4, safetensors: 'F32', storage: 'FloatStorage', safetensorsRank: 11 },
  float64: { size: 8, safetensors: 'F64', storage: 'DoubleStorage', safetensorsRank: 12 },
  int64: { size: 8, safetensors: 'I64', storage: 'LongStorage', safetensorsRank: 13 },
};

/** Every dtype this package reads and writes. */
export const DTYPES = Object.keys(INFO) as DType[];

const BY_SAFETENSORS = new Map(DTYPES.map((d) => [INFO[d].safetensors, d]));
const BY_STORAGE = new Map(DTYPES.filter((d) => INFO[d].storage).map((d) => [INFO[d].storage as string, d]));

export function isDType(s: string): s is DType {
  return Object.prototype.hasOwnProperty.call(INFO, s);
}

/** Bytes per element. */
export function dtypeSize(dtype: DType): number {
  return INFO[dtype].size;
}

/** The safetensors spelling (`F32`, `BF16`, ...). */
export function toSafetensorsDType(dtype: DType): string {
  return INFO[dtype].safetensors;
}

/** The dtype for a safetensors spelling, or undefined when unknown. */
export function fromSafetensorsDType(name: string): DType | undefined {
  return BY_SAFETENSORS.get(name);
}

export function safetensorsRank(dtype: DType): number {
  return INFO[dtype].safetensorsRank;
}

/** The `torch.<X>Storage` class for a dtype, or undefined when PyTorch's legacy storages lack one. */
export function toTorchStorage(dtype: DType): string | undefined {
  return INFO[dtype].storage;
}

/** The dtype of a `torch.<X>Storage` class name, or undefined when unknown. */
export function fromTorchStorage(name: string): DType | undefined {
  return BY_STORAGE.get(name);
}

/** Number of elements of a shape (1 for a scalar). */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides, in elements. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/** A zero-filled typed array of the type that holds `dtype`. */
export function allocate(dtype: DType, length: number): TensorData {
  return viewAs(dtype, new ArrayBuffer(length * dtypeSize(dtype)), 0, length);
}

function viewAs(dtype: DType, buffer: ArrayBuffer, byteOffset: number, length: number): TensorData {
  switch (dtype) {
    case 'float64':
      return new Float64Array(buffer, byteOffset, length);
    case 'float32':
      return new Float32Array(buffer, byteOffset, length);
    case 'int64':
      return new BigInt64Array(buffer, byteOffset, length);
    case 'int32':
      return new Int32Array(buffer, byteOffset, length);
    case 'uint32':
      return new Uint32Array(buffer, byteOffset, length);
    case 'int16':
      return new Int16Array(buffer, byteOffset, length);
    case 'float16':
    case 'bfloat16':
    case 'uint16':
      return new Uint16Array(buffer, byteOffset, length);
    case 'int8':
      return new Int8Array(buffer, byteOffset, length);
    case 'uint8':
    case 'bool':
      return new Uint8Array(buffer, byteOffset, length);
  }
}

/** True on little-endian hosts (every platform Node ships for today); files are little-endian. */
export const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Little-endian bytes of a typed array (a view when possible, no copy). */
export function toBytes(data: TensorData): Uint8Array {
  const view = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (LITTLE_ENDIAN_HOST || data.BYTES_PER_ELEMENT === 1) return view;
  const copy = view.slice();
  swapBytes(copy, data.BYTES_PER_ELEMENT);
  return copy;
}

/** Reverses the byte order of each `size`-byte element in place. */
export function swapBytes(bytes: Uint8Array, size: number): void {
  if (size === 1) return;
  for (let i = 0; i + size <= bytes.length; i += size) {
    for (let a = i, b = i + size - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}

/** True when `data` is the typed array that holds `dtype`. */
export function dataMatches(dtype: DType, data: TensorData): boolean {
  switch (dtype) {
    case 'float64':
      return data instanceof Float64Array;
    case 'float32':
      return data instanceof Float32Array;
    case 'int64':
      return data instanceof BigInt64Array;
    case 'int32':
      return data instanceof Int32Array;
    case 'uint32':
      return data instanceof Uint32Array;
    case 'int16':
      return data instanceof Int16Array;
    case 'float16':
    case 'bfloat16':
    case 'uint16':
      return data instanceof Uint16Array;
    case 'int8':
      return data instanceof Int8Array;
    case 'uint8':
    case 'bool':
      return data instanceof Uint8Array;
  }
}
