// Small operations on host tensors: dtype casts, float64 sums, validation.
import { allocate, dataMatches, numel, type DType, type HostTensor, type TensorData } from './dtype.js';
import { bfloat16BitsToFloat32, float32ToBFloat16Bits, float32ToHalfBits, halfBitsToFloat32 } from './half.js';

/** Element `i` as a JS number (float16/bfloat16 decoded; 64-bit integers may round). */
function numbersOf(t: HostTensor): ArrayLike<number> {
  const d = t.data;
  if (t.dtype === 'float16') return halfBitsToFloat32(d as Uint16Array);
  if (t.dtype === 'bfloat16') return bfloat16BitsToFloat32(d as Uint16Array);
  if (d instanceof BigInt64Array) return Float64Array.from(d, (v) => Number(v));
  return d;
}

/** Sum of all elements, accumulated in float64 in element order (what `t.double().sum()` gives in PyTorch, up to summation order). */
export function tensorSum(t: HostTensor): number {
  const d = t.data;
  if (d instanceof BigInt64Array) {
    let s = 0n;
    for (const v of d) s += v;
    return Number(s);
  }
  const xs = numbersOf(t);
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s;
}

/** A tensor with float16/bfloat16 decoded to float32; other dtypes are returned as they are. */
export function toFloat32(t: HostTensor): HostTensor {
  if (t.dtype === 'float16') return { dtype: 'float32', shape: t.shape, data: halfBitsToFloat32(t.data as Uint16Array) };
  if (t.dtype === 'bfloat16') return { dtype: 'float32', shape: t.shape, data: bfloat16BitsToFloat32(t.data as Uint16Array) };
  return t;
}

/**
 * Converts a tensor to another dtype: float16/bfloat16 round to nearest even, integers truncate toward zero
 * like PyTorch's `.to()`, bool is `x != 0`. Returns `t` itself when the dtype already matches.
 */
export function castTensor(t: HostTensor, dtype: DType): HostTensor {
  if (t.dtype === dtype) return t;
  const n = t.data.length;
  const shape = [...t.shape];
  if (dtype === 'float16' || dtype === 'bfloat16') {
    const f = toFloat32(castTensor(t, 'float32')).data as Float32Array;
    return { dtype, shape, data: dtype === 'float16' ? float32ToHalfBits(f) : float32ToBFloat16Bits(f) };
  }
  const xs = numbersOf(t);
  const out = allocate(dtype, n);
  if (out instanceof BigInt64Array) {
    const src = t.data;
    for (let i = 0; i < n; i++) {
      out[i] = src instanceof BigInt64Array ? src[i] : Number.isFinite(xs[i]) ? BigInt.asIntN(64, BigInt(Math.trunc(xs[i]))) : 0n;
    }
  } else if (dtype === 'bool') {
    for (let i = 0; i < n; i++) out[i] = xs[i] !== 0 ? 1 : 0;
  } else {
    const o = out as Exclude<TensorData, BigInt64Array>;
    const integer = dtype !== 'float32' && dtype !== 'float64';
    for (let i = 0; i < n; i++) o[i] = integer ? Math.trunc(xs[i]) : xs[i];
  }
  return { dtype, shape, data: out };
}

/** Why a host tensor is malformed (wrong typed array, length not matching its shape), or undefined when it is fine. */
export function tensorProblem(t: HostTensor): string | undefined {
  if (!Array.isArray(t.shape) || t.shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    return `shape ${JSON.stringify(t.shape)} is not a list of non-negative integers`;
  }
  if (!dataMatches(t.dtype, t.data)) return `dtype ${t.dtype} does not match its data (${t.data?.constructor?.name ?? typeof t.data})`;
  if (t.data.length !== numel(t.shape)) return `data has ${t.data.length} elements but shape [${t.shape.join(', ')}] needs ${numel(t.shape)}`;
  return undefined;
}
