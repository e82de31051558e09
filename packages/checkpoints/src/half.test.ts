import { describe, expect, it } from 'vitest';
import { bfloat16BitsToFloat32, float32ToBFloat16Bits, float32ToHalfBits, halfBitsToFloat32 } from './half.js';
import type { HostTensor } from './dtype.js';
import { castTensor, tensorSum } from './tensor.js';

// compile-time: a HostTensor is what @lorats/core's loadStateDict accepts (structural, no import of core)
type CoreHostTensor = { dtype: string; shape: number[]; data: ArrayLike<number> | BigInt64Array };
export const hostTensorFitsCore = (t: HostTensor): CoreHostTensor => t;

const allBits = Uint16Array.from({ length: 65536 }, (_, i) => i);
const isNaNHalf = (h: number) => (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
const isNaNBf16 = (h: number) => (h & 0x7f80) === 0x7f80 && (h & 0x7f) !== 0;

describe('float16', () => {
  it('decodes known bit patterns', () => {
    const f = halfBitsToFloat32(new Uint16Array([0x3c00, 0xc000, 0x7bff, 0x0001, 0x0400, 0x7c00, 0xfc00, 0x8000, 0x3555]));
    expect([...f]).toEqual([1, -2, 65504, 2 ** -24, 2 ** -14, Infinity, -Infinity, -0, 0.333251953125]);
    expect(Number.isNaN(halfBitsToFloat32(new Uint16Array([0x7e00]))[0])).toBe(true);
  });

  it('encodes every half value back to its own bits (decode then encode is the identity)', () => {
    const back = float32ToHalfBits(halfBitsToFloat32(allBits));
    const wrong = allBits.filter((i) => !isNaNHalf(i) && back[i] !== i);
    expect([...wrong]).toEqual([]);
  });

  it('rounds to nearest even and saturates to infinity', () => {
    // 1 + 2^-11 is halfway between 1 and the next half (1 + 2^-10): ties go to the even mantissa (1)
    const bits = float32ToHalfBits(new Float32Array([1 + 2 ** -11, 1 + 3 * 2 ** -11, 65520, 1e6, 2 ** -25, 3 * 2 ** -26]));
    expect([...bits]).toEqual([0x3c00, 0x3c02, 0x7c00, 0x7c00, 0x0000, 0x0001]);
  });
});

describe('bfloat16', () => {
  it('encodes every bfloat16 value back to its own bits', () => {
    const back = float32ToBFloat16Bits(bfloat16BitsToFloat32(allBits));
    const wrong = allBits.filter((i) => !isNaNBf16(i) && back[i] !== i);
    expect([...wrong]).toEqual([]);
  });

  it('rounds to nearest even', () => {
    // 1 + 2^-8 is halfway between bfloat16 1 (0x3f80) and 1 + 2^-7 (0x3f81)
    expect([...float32ToBFloat16Bits(new Float32Array([1 + 2 ** -8, 1 + 3 * 2 ** -8]))]).toEqual([0x3f80, 0x3f82]);
  });
});

describe('castTensor and tensorSum', () => {
  it('truncates floats to integers like PyTorch and sums int64 exactly', () => {
    const t = { dtype: 'float32' as const, shape: [4], data: new Float32Array([1.9, -1.9, 0.5, -0.5]) };
    expect([...castTensor(t, 'int32').data]).toEqual([1, -1, 0, 0]);
    expect([...castTensor(t, 'bool').data]).toEqual([1, 1, 1, 1]);
    const big = { dtype: 'int64' as const, shape: [2], data: new BigInt64Array([2n ** 60n, 1n]) };
    expect(tensorSum(big)).toBe(Number(2n ** 60n + 1n));
    expect(castTensor(castTensor(t, 'float16'), 'float32').data[0]).toBeCloseTo(1.9, 2);
  });
});
