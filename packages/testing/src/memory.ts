// Leak checks: run a step several times and require the live tensor count to stay flat.
import * as tf from '@tensorflow/tfjs-core';

/** Runs `step` once to warm up, then `times` more, and throws if tf.memory().numTensors grew. */
export async function expectNoTensorLeak(step: () => void | Promise<void>, times = 3, label = 'step'): Promise<void> {
  await step();
  const before = tf.memory().numTensors;
  for (let i = 0; i < times; i++) await step();
  const after = tf.memory().numTensors;
  if (after !== before) throw new Error(`${label}: ${after - before} tensors leaked over ${times} runs (${before} → ${after})`);
}
