// The backend a test suite runs on, chosen by the environment so one suite covers cpu and the torch backend:
// LORATS_TEST_BACKEND=torch (LORATS_TEST_DEVICE=cpu|cuda:0, default the backend's own choice; TF32 off unless
// LORATS_TEST_TF32=1) or cpu (default).
import * as tf from '@tensorflow/tfjs-core';

/** Loads @tensorflow/tfjs (gradients, cpu) and switches to the backend LORATS_TEST_BACKEND names; returns its name. */
export async function setupTestBackend(): Promise<string> {
  await import('@tensorflow/tfjs');
  const want = process.env.LORATS_TEST_BACKEND ?? 'cpu';
  if (want === 'torch') {
    const torch = await import('@lorats/tfjs-backend-torch');
    const available = torch.torchAvailability();
    if (!available.available) throw new Error(`LORATS_TEST_BACKEND=torch: ${available.reason}`);
    // fp32 exactly (no TF32 matmuls) so golden tolerances hold on GPUs; LORATS_TEST_TF32=1 turns TF32 back on
    const tf32 = process.env.LORATS_TEST_TF32 === '1';
    torch.registerTorchBackend(process.env.LORATS_TEST_DEVICE ? { device: process.env.LORATS_TEST_DEVICE, tf32 } : { tf32 });
  }
  if (!(await tf.setBackend(want))) throw new Error(`LORATS_TEST_BACKEND=${want}: backend failed to initialise`);
  await tf.ready();
  return want;
}

/**
 * Makes unseeded randomness in a test process repeatable: Math.random (which tfjs uses to seed unseeded random ops)
 * becomes a seeded generator (mulberry32).
 */
export function seedTestRandomness(seed = 20260101): void {
  let a = seed >>> 0;
  Math.random = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
