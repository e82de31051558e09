import '@tensorflow/tfjs';
import { expect, it } from 'vitest';
import { quickStart } from '../examples/quick-start.js';

it('the README example runs and saves exactly the LoRA pair', () => {
  const { keys, trainable, total } = quickStart();
  expect(keys).toEqual([
    ['q.lora_A', [4, 16]],
    ['q.lora_B', [16, 4]],
  ]);
  expect(trainable).toBe(4 * (16 + 16));
  expect(total).toBe(100 * 16 + (16 * 16 + 16) + 4 * 32 + 32 + (16 * 100 + 100));
});
