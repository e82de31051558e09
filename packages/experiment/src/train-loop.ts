// The generic training loop shared by the NLG and NLU apps: gradients of the trainable parameters, optional clipping,
// AdamW with a scheduled learning rate, a loss curve, periodic validation, atomic checkpoints every N updates and
// `resume`. Everything random in a step must be derived from the step number (see `deriveSeed`), so a resumed run
// replays exactly the updates an uninterrupted run would have made.
import * as tf from '@tensorflow/tfjs-core';
import type { AdamW } from './adamw.js';
import { fromHostTensor, loadLatestCheckpoint, saveCheckpoint, toHostTensor } from './checkpoint.js';
import { clipGradNorm } from './clip.js';
import type { Json } from './config.js';
import type { HostTensor } from '@lorats/checkpoints';
import { ProgressBar } from './progress.js';
import { learningRate, type ScheduleOptions } from './schedule.js';

export interface TrainLoopOptions {
  /** Trainable parameters by name (the names key the checkpoint). */
  params: ReadonlyArray<readonly [string, tf.Variable]>;
  optimizer: AdamW;
  schedule: ScheduleOptions;
  /** Number of updates. */
  totalSteps: number;
  /** The loss of update `step` (1-based); called inside `tf.variableGrads`. */
  loss: (step: number) => tf.Scalar;
  /** Tokens in update `step` (for tokens/s); default 0. */
  tokens?: (step: number) => number;
  /** Max global gradient norm; 0 or undefined = no clipping. */
  clipNorm?: number;
  /** Updates per loss-curve point (the point is the mean over them); default 10. */
  logEvery?: number;
  checkpoint?: { dir: string; every: number; keep?: number };
  /** Continue from the newest checkpoint in `checkpoint.dir` if there is one. */
  resume?: boolean;
  /** Validation loss every `every` updates and after the last one. */
  validate?: { every: number; run: (step: number) => number | Promise<number> };
  /** App state saved with each checkpoint and handed back on resume. */
  appState?: { save: () => { [key: string]: Json }; restore: (state: { [key: string]: Json }) => void };
  /** Progress output; false for none. */
  progress?: { label?: string; stream?: NodeJS.WritableStream & { isTTY?: boolean } } | false;
}

export interface TrainLoopResult {
  steps: number;
  lossCurve: Array<[number, number]>;
  validation: Array<[number, number]>;
  /** Mean loss of the last logged interval. */
  finalLoss: number;
  /** Training seconds, summed over resumed segments. */
  seconds: number;
  tokens: number;
  resumedFrom?: number;
}

interface LoopState {
  lossCurve: Array<[number, number]>;
  validation: Array<[number, number]>;
  windowSum: number;
  windowCount: number;
  seconds: number;
  tokens: number;
  optimizerSteps: Record<string, number>;
}

/** Runs (or resumes) training to `totalSteps` updates. */
export async function runTrainingLoop(options: TrainLoopOptions): Promise<TrainLoopResult> {
  const { params, optimizer, totalSteps } = options;
  const logEvery = Math.max(1, options.logEvery ?? 10);
  const byVariable = new Map(params.map(([name, v]) => [v.name, name]));
  const variables = params.map(([, v]) => v);
  if (variables.some((v) => !v.trainable)) throw new Error('runTrainingLoop: every listed parameter must be trainable');

  let st: LoopState = { lossCurve: [], validation: [], windowSum: 0, windowCount: 0, seconds: 0, tokens: 0, optimizerSteps: {} };
  let start = 0;
  let resumedFrom: number | undefined;
  if (options.resume && options.checkpoint) {
    const ckpt = await loadLatestCheckpoint(options.checkpoint.dir);
    if (ckpt) {
      restoreTensors(ckpt.tensors, params, optimizer, ckpt.state.loop as unknown as LoopState);
      st = ckpt.state.loop as unknown as LoopState;
      if (options.appState && ckpt.state.app) options.appState.restore(ckpt.state.app as { [key: string]: Json });
      start = ckpt.step;
      resumedFrom = ckpt.step;
      if (start > totalSteps) throw new Error(`${options.checkpoint.dir}: checkpoint at step ${start} is past totalSteps ${totalSteps}`);
    }
  }

  const bar =
    options.progress === false
      ? undefined
      : new ProgressBar({ total: totalSteps, label: options.progress?.label ?? 'train', stream: options.progress?.stream });
  if (start > 0) bar?.update(start, { note: `resumed from step ${start}` });
  let segmentStart = performance.now();

  for (let step = start + 1; step <= totalSteps; step++) {
    const lr = learningRate(options.schedule, step);
    const { value, grads } = tf.variableGrads(() => options.loss(step), variables);
    let named = new Map<string, tf.Tensor>();
    for (const [vname, g] of Object.entries(grads)) {
      const name = byVariable.get(vname);
      if (name !== undefined) named.set(name, g);
    }
    if (options.clipNorm && options.clipNorm > 0) {
      const clipped = clipGradNorm(named, options.clipNorm).grads;
      tf.dispose([...named.values()]);
      named = clipped;
    }
    optimizer.step(named, lr);
    tf.dispose([...named.values()]);
    const loss = (await value.data())[0];
    value.dispose();
    if (!Number.isFinite(loss)) throw new Error(`training diverged: loss is ${loss} at step ${step}`);

    const tokens = options.tokens?.(step) ?? 0;
    st.tokens += tokens;
    st.windowSum += loss;
    st.windowCount += 1;
    if (st.windowCount === logEvery || step === totalSteps) {
      st.lossCurve.push([step, st.windowSum / st.windowCount]);
      st.windowSum = 0;
      st.windowCount = 0;
    }
    bar?.update(step, { loss, tokens, note: `lr ${lr.toExponential(2)}` });

    if (options.validate && (step % options.validate.every === 0 || step === totalSteps)) {
      st.validation.push([step, await options.validate.run(step)]);
    }
    const ck = options.checkpoint;
    if (ck && (step % ck.every === 0 || step === totalSteps)) {
      const now = performance.now();
      st.seconds += (now - segmentStart) / 1000;
      segmentStart = now;
      await saveCheckpoint(ck.dir, await snapshot(step, params, optimizer, st, options.appState?.save()), ck.keep);
    }
  }
  st.seconds += (performance.now() - segmentStart) / 1000;
  bar?.finish();
  const last = st.lossCurve[st.lossCurve.length - 1];
  return {
    steps: totalSteps,
    lossCurve: st.lossCurve,
    validation: st.validation,
    finalLoss: last ? last[1] : NaN,
    seconds: st.seconds,
    tokens: st.tokens,
    ...(resumedFrom !== undefined ? { resumedFrom } : {}),
  };
}

async function snapshot(
  step: number,
  params: TrainLoopOptions['params'],
  optimizer: AdamW,
  st: LoopState,
  app: { [key: string]: Json } | undefined,
) {
  const tensors = new Map<string, HostTensor>();
  for (const [name, v] of params) tensors.set(`param.${name}`, await toHostTensor(v));
  const opt = optimizer.getState();
  for (const [key, t] of opt.tensors) tensors.set(`optim.${key}`, await toHostTensor(t));
  tf.dispose([...opt.tensors.values()]);
  const loop: LoopState = { ...st, optimizerSteps: opt.steps };
  return { step, tensors, state: { loop: loop as unknown as Json, ...(app ? { app } : {}) } };
}

function restoreTensors(tensors: Map<string, HostTensor>, params: TrainLoopOptions['params'], optimizer: AdamW, loop: LoopState): void {
  for (const [name, v] of params) {
    const t = tensors.get(`param.${name}`);
    if (!t) throw new Error(`checkpoint has no parameter "${name}"`);
    if (t.shape.join(',') !== v.shape.join(',')) throw new Error(`checkpoint parameter "${name}" has shape [${t.shape}], model [${v.shape}]`);
    const value = fromHostTensor(t, name);
    v.assign(value);
    value.dispose();
  }
  const moments = new Map<string, tf.Tensor>();
  for (const [key, t] of tensors) if (key.startsWith('optim.')) moments.set(key.slice('optim.'.length), fromHostTensor(t, key));
  optimizer.setState({ tensors: moments, steps: loop.optimizerSteps });
  tf.dispose([...moments.values()]);
}
