import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectNoTensorLeak, expectTensorsClose, FUSED_KERNEL_NAMES, loadFixture, registerReferenceKernels } from './index.js';

describe('expectTensorsClose', () => {
  it('passes within tolerance and names the worst element otherwise', () => {
    expectTensorsClose(tf.tensor([1, 2, 3]), [1, 2, 3 + 1e-6]);
    expect(() => expectTensorsClose(tf.tensor([1, 2, 3]), [1, 2.1, 3], { label: 'y' })).toThrow(/y: element 1 is 2, expected 2.1/);
    expect(() => expectTensorsClose(tf.zeros([2, 3]), tf.zeros([3, 2]))).toThrow(/shape \[2, 3\] differs from expected \[3, 2\]/);
    expect(() => expectTensorsClose([NaN], [1])).toThrow(/element 0 is NaN/);
    expectTensorsClose({ dtype: 'float32', shape: [2], data: new Float32Array([1, 2]) }, [[1, 2]].flat());
  });
});

describe('loadFixture', () => {
  it('rejects files that are not fixtures and tensors whose size is wrong, naming the file and key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fixture-'));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ producer: 'x', cases: { a: { config: {}, tensors: { w: { shape: [2, 2], dtype: 'float32', data: [1] } } } } }));
    expect(() => loadFixture(bad)).toThrow(/bad\.json: tensor a\/w has 1 values for shape \[2, 2\]/);
    const notJson = join(dir, 'x.json');
    writeFileSync(notJson, '{');
    expect(() => loadFixture(notJson)).toThrow(/x\.json: cannot read fixture/);
  });
});

describe('registerReferenceKernels', () => {
  it('registers the missing fused kernels and removes exactly those', () => {
    const undo = registerReferenceKernels('cpu');
    for (const name of FUSED_KERNEL_NAMES) expect(tf.getKernel(name, 'cpu')).toBeDefined();
    undo();
    for (const name of FUSED_KERNEL_NAMES) expect(tf.getKernel(name, 'cpu')).toBeUndefined();
  });

  it('the reference layer norm kernel normalises rows', () => {
    const undo = registerReferenceKernels('cpu');
    const y = tf.engine().runKernel('LoratsLayerNorm', { x: tf.tensor2d([[1, 3]]), gamma: tf.ones([2]), beta: tf.zeros([2]) }, { epsilon: 0 }) as tf.Tensor;
    expectTensorsClose(y, [[-1, 1]]);
    undo();
  });
});

describe('expectNoTensorLeak', () => {
  it('catches a step that keeps a tensor', async () => {
    const kept: tf.Tensor[] = [];
    await expect(expectNoTensorLeak(() => void kept.push(tf.ones([1])), 2, 'leaky')).rejects.toThrow(/leaky: 2 tensors leaked/);
    tf.dispose(kept);
  });
});
