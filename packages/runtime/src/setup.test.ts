import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import * as tf from '@tensorflow/tfjs';
import { torchAvailability } from '@lorats/tfjs-backend-torch';
import { describe, expect, it } from 'vitest';

import { FALLBACK_NOTICE, setupBackend } from './setup.js';

const torch = torchAvailability();

describe('setupBackend', () => {
  it('sets up the cpu backend with gradients registered', async () => {
    const s = await setupBackend({ backend: 'cpu' });
    expect(s).toMatchObject({ backend: 'cpu', device: 'cpu' });
    expect(tf.getBackend()).toBe('cpu');
    const g = tf.grad((x: tf.Tensor) => x.square().sum())(tf.tensor1d([1, 2]));
    expect(Array.from(g.dataSync())).toEqual([2, 4]);
  });

  it('rejects a CUDA device for the cpu backend', async () => {
    await expect(setupBackend({ backend: 'cpu', device: 'cuda:0' })).rejects.toThrow(/--device cuda:0 needs --backend torch/);
  });

  it('explains how to get tfjs-node for the tensorflow backend', async () => {
    await expect(setupBackend({ backend: 'tensorflow', device: 'cpu' })).rejects.toThrow(/needs @tensorflow\/tfjs-node/);
  });

  it.skipIf(!torch.available)('sets up the torch backend on the CPU', async () => {
    const s = await setupBackend({ backend: 'torch', device: 'cpu' });
    expect(s.backend).toBe('torch');
    expect(s.description).toMatch(/^torch on cpu \(libtorch \d+\.\d+/);
    expect(tf.getBackend()).toBe('torch');
    expect(Array.from(tf.matMul(tf.eye(2), tf.tensor2d([[1, 2], [3, 4]])).dataSync())).toEqual([1, 2, 3, 4]);
  });

  it.skipIf(!torch.available)('reports a bad torch device as an error', async () => {
    await expect(setupBackend({ backend: 'torch', device: 'tpu:0' })).rejects.toThrow();
  });

  it('falls back to cpu with a one-line notice when the addon is missing', () => {
    const script = [
      "import { setupBackend } from './src/index.ts';",
      'const s = await setupBackend();',
      'console.log(JSON.stringify(s));',
    ].join('\n');
    const r = spawnSync(process.execPath, ['--conditions=@lorats/source', '--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: { ...process.env, LORATS_TORCH_ADDON: '/nonexistent/lorats_torch.node', LORATS_BACKEND: '' },
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    const setup = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}');
    expect(setup).toMatchObject({ backend: 'cpu', fallbackReason: expect.stringContaining('not built') });
    const notices = r.stderr.split('\n').filter((l) => l.startsWith('lorats:'));
    expect(notices).toHaveLength(1);
    expect(notices[0]).toContain(FALLBACK_NOTICE);
    expect(r.stderr).not.toMatch(/tfjs-node for more details/);
  });
});
