// Per-op dispatch overhead: a tiny elementwise op (add of two [4] tensors) through the tfjs engine on the torch
// backend, through the addon alone, and on tfjs's cpu backend; µs per op (median of 5 rounds).
//
//   node --conditions=@lorats/source --import tsx apps/bench/src/dispatch.ts [--device cuda:0] [--ops 20000]
import * as tf from '@tensorflow/tfjs-core';
import { backendOptionsFromArgs, setupBackend } from '@lorats/runtime';
import { loadAddon, syncTorch } from '@lorats/tfjs-backend-torch';

import { intFlag, readFlags, stringFlag } from './args.js';
import { median, writeRecord } from './record.js';

const flags = readFlags(process.argv.slice(2), { device: 'string', ops: 'string', name: 'string', out: 'string', rounds: 'string' });
const N = intFlag(flags, 'ops', 20000);
const rounds = intFlag(flags, 'rounds', 5);

function time(run: () => void): number {
  run(); // warm-up
  const us: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    run();
    us.push(((performance.now() - t0) * 1000) / N);
  }
  return median(us);
}

/** Host time only: bursts of 256 ops (below the GPU's launch-queue depth) timed before the sync that follows. */
function hostTime(op: () => void): number {
  const burst = 256;
  const us: number[] = [];
  for (let r = 0; r < 40; r++) {
    syncTorch();
    const t0 = performance.now();
    for (let i = 0; i < burst; i++) op();
    us.push(((performance.now() - t0) * 1000) / burst);
  }
  syncTorch();
  return median(us.slice(5));
}

function tfjsLoop(): void {
  const a = tf.tensor1d([1, 2, 3, 4]);
  const b = tf.tensor1d([5, 6, 7, 8]);
  for (let i = 0; i < N; i++) tf.add(a, b).dispose();
  tf.dispose([a, b]);
}

/** A chain (each op consumes the last result), as a model's ops do: shows launch rather than round-trip cost. */
function tfjsChain(): void {
  const b = tf.tensor1d([5, 6, 7, 8]);
  let x: tf.Tensor = tf.tensor1d([1, 2, 3, 4]);
  for (let i = 0; i < N; i++) {
    const y = tf.mul(x, b);
    x.dispose();
    x = y;
  }
  x.dataSync();
  tf.dispose([x, b]);
}

const setup = await setupBackend({ ...backendOptionsFromArgs(flags), backend: 'torch' });
const torchTfjs = time(() => {
  tfjsLoop();
  syncTorch();
});
const torchChain = time(() => {
  tfjsChain();
  syncTorch();
});
const load = loadAddon();
if (!load.ok) throw new Error(load.reason);
const addon = load.addon;
const add = addon.binaryOps().indexOf('Add');
const addonOnly = time(() => {
  const a = addon.fromData(new Float32Array([1, 2, 3, 4]), [4], 0);
  const b = addon.fromData(new Float32Array([5, 6, 7, 8]), [4], 0);
  for (let i = 0; i < N; i++) addon.release(addon.binary(add, a, b, 0));
  addon.release(a);
  addon.release(b);
  addon.sync();
});
const ha = tf.tensor1d([1, 2, 3, 4]);
const hb = tf.tensor1d([5, 6, 7, 8]);
const torchHostOnly = hostTime(() => tf.add(ha, hb).dispose());
const ra = addon.fromData(new Float32Array([1, 2, 3, 4]), [4], 0);
const rb = addon.fromData(new Float32Array([5, 6, 7, 8]), [4], 0);
const addonHostOnly = hostTime(() => addon.release(addon.binary(add, ra, rb, 0)));
addon.release(ra);
addon.release(rb);
tf.dispose([ha, hb]);
await setupBackend({ backend: 'cpu' });
const cpuTfjs = time(tfjsLoop);
const record = {
  device: setup.device,
  description: setup.description,
  op: 'add [4] + [4], result disposed',
  opsPerRound: N,
  microsecondsPerOp: {
    torchViaTfjs: torchTfjs,
    torchChainViaTfjs: torchChain,
    torchAddonOnly: addonOnly,
    tfjsEngineOverhead: torchTfjs - addonOnly,
    torchViaTfjsHostOnly: torchHostOnly,
    torchAddonOnlyHostOnly: addonHostOnly,
    cpuBackendViaTfjs: cpuTfjs,
  },
};
const name = stringFlag(flags, 'name') ?? `dispatch-${setup.device.replace(':', '')}`;
const path = writeRecord(name, record, stringFlag(flags, 'out'));
console.log(
  `${name}: tfjs+torch ${torchTfjs.toFixed(2)} µs/op (chain ${torchChain.toFixed(2)}, host only ${torchHostOnly.toFixed(2)}), addon alone ${addonOnly.toFixed(2)} µs/op (host only ${addonHostOnly.toFixed(2)}), tfjs cpu ${cpuTfjs.toFixed(2)} µs/op -> ${path}`,
);
