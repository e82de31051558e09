// Runs a suite on both paths of every fused op: the pure-tfjs fallback, and the registered kernel (the backend's own
// when it has one, otherwise the reference kernels from @lorats/testing registered for the duration).
import '@tensorflow/tfjs';
import { registerReferenceKernels } from '@lorats/testing';
import { afterAll, beforeAll } from 'vitest';
import { setFusedKernelsEnabled } from '../src/index.js';

/** The two ways a fused op can run. */
export type OpPath = 'fallback' | 'kernel';

/** Both paths, for `describe.each`. */
export const OP_PATHS: OpPath[] = ['fallback', 'kernel'];

/** Switches the current describe block onto `path` (beforeAll) and back (afterAll). */
export function useOpPath(path: OpPath): void {
  let undo: () => void = () => {};
  beforeAll(() => {
    if (path === 'fallback') {
      setFusedKernelsEnabled(false);
      undo = () => setFusedKernelsEnabled(true);
    } else {
      undo = registerReferenceKernels();
    }
  });
  afterAll(() => undo());
}
