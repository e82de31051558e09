// AdamW as microsoft/LoRA examples/NLG/src/optimizer.py has it (the "old" Hugging Face version), which differs from
// torch.optim.AdamW in two places: eps is added to the uncorrected sqrt(v) and the bias correction goes into the step
// size; weight decay is applied after the Adam update, to the updated weights, scaled by the scheduled lr.
//   m ← β1·m + (1−β1)·g;   v ← β2·v + (1−β2)·g²;   denom = sqrt(v) + eps
//   p ← p − lr·[sqrt(1−β2^t)/(1−β1^t)]·m/denom;     p ← p − lr·wd·p
import * as tf from '@tensorflow/tfjs-core';

export interface AdamWOptions {
  betas?: readonly [number, number];
  /** Default 1e-6 (`--adam_epislon`). */
  eps?: number;
  /** Default 0. */
  weightDecay?: number;
  /** Bias correction in the step size (`--correct_bias`); default true. */
  correctBias?: boolean;
  /** Parameters that get no weight decay (optimizer.py's `--no_decay_bias`: names with `bias` or `layer_norm.weight`). */
  noDecay?: (name: string) => boolean;
}

interface ParamState {
  step: number;
  expAvg: tf.Tensor;
  expAvgSq: tf.Tensor;
}

/** Saved optimizer state: per-parameter moment tensors and step counts. */
export interface AdamWState {
  tensors: Map<string, tf.Tensor>;
  steps: Record<string, number>;
}

/** The optimizer over named variables; `step(grads, lr)` updates every parameter that has a gradient. */
export class AdamW {
  private readonly state = new Map<string, ParamState>();
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly eps: number;
  private readonly weightDecay: number;
  private readonly correctBias: boolean;
  private readonly noDecay: (name: string) => boolean;

  constructor(
    readonly params: ReadonlyArray<readonly [string, tf.Variable]>,
    options: AdamWOptions = {},
  ) {
    [this.beta1, this.beta2] = options.betas ?? [0.9, 0.999];
    this.eps = options.eps ?? 1e-6;
    this.weightDecay = options.weightDecay ?? 0;
    this.correctBias = options.correctBias ?? true;
    this.noDecay = options.noDecay ?? (() => false);
    for (const b of [this.beta1, this.beta2]) if (!(b >= 0 && b < 1)) throw new Error(`AdamW: beta must be in [0, 1), got ${b}`);
    if (!(this.eps >= 0)) throw new Error(`AdamW: eps must be ≥ 0, got ${this.eps}`);
    const names = new Set<string>();
    for (const [name] of params) {
      if (names.has(name)) throw new Error(`AdamW: parameter "${name}" is listed twice`);
      names.add(name);
    }
  }

  /** One update with learning rate `lr`; parameters missing from `grads` are skipped (frozen, as grad=None). */
  step(grads: ReadonlyMap<string, tf.Tensor>, lr: number): void {
    if (!(lr >= 0)) throw new Error(`AdamW: learning rate must be ≥ 0, got ${lr}`);
    const updates: Array<{ p: tf.Variable; g: tf.Tensor; st: ParamState; stepSize: number; decay: number }> = [];
    for (const [name, p] of this.params) {
      const g = grads.get(name);
      if (!g) continue;
      if (!sameShape(g.shape, p.shape)) throw new Error(`AdamW: gradient of "${name}" has shape [${g.shape}], parameter [${p.shape}]`);
      let st = this.state.get(name);
      if (!st) {
        st = { step: 0, expAvg: tf.keep(tf.zerosLike(p)), expAvgSq: tf.keep(tf.zerosLike(p)) };
        this.state.set(name, st);
      }
      st.step += 1;
      let stepSize = lr;
      if (this.correctBias) stepSize = (stepSize * Math.sqrt(1 - this.beta2 ** st.step)) / (1 - this.beta1 ** st.step);
      updates.push({ p, g, st, stepSize, decay: this.noDecay(name) ? 0 : this.weightDecay });
    }
    // A backend with the fused LoratsAdamW kernel (docs/fused-ops.md) updates every parameter in one call.
    if (updates.length > 0 && tf.getKernel('LoratsAdamW', tf.getBackend())) {
      const inputs: tf.NamedTensorMap = {};
      updates.forEach((u, i) => Object.assign(inputs, { [`param${i}`]: u.p, [`grad${i}`]: u.g, [`m${i}`]: u.st.expAvg, [`v${i}`]: u.st.expAvgSq }));
      const attrs = { beta1: this.beta1, beta2: this.beta2, eps: this.eps, stepSizes: updates.map((u) => u.stepSize), decays: updates.map((u) => lr * u.decay) };
      const out = tf.tidy(() => tf.engine().runKernel('LoratsAdamW', inputs, attrs) as tf.Tensor[]);
      const n = updates.length;
      updates.forEach((u, i) => {
        u.p.assign(out[i]);
        out[i].dispose();
        u.st.expAvg.dispose();
        u.st.expAvgSq.dispose();
        u.st.expAvg = out[n + i];
        u.st.expAvgSq = out[2 * n + i];
      });
      return;
    }
    for (const { p, g, st, stepSize, decay } of updates) {
      const [m, v] = tf.tidy(() => {
        const m = tf.add(tf.mul(st.expAvg, this.beta1), tf.mul(g, 1 - this.beta1));
        const v = tf.add(tf.mul(st.expAvgSq, this.beta2), tf.mul(tf.mul(g, g), 1 - this.beta2));
        const denom = tf.add(tf.sqrt(v), this.eps);
        let next = tf.add(p, tf.mul(tf.div(m, denom), -stepSize));
        if (decay > 0) next = tf.add(next, tf.mul(next, -lr * decay));
        p.assign(next);
        return [m, v];
      });
      st.expAvg.dispose();
      st.expAvgSq.dispose();
      st.expAvg = m;
      st.expAvgSq = v;
    }
  }

  /** A copy of the state, keyed `<name>.exp_avg` / `<name>.exp_avg_sq` (the caller owns the tensors). */
  getState(): AdamWState {
    const tensors = new Map<string, tf.Tensor>();
    const steps: Record<string, number> = {};
    for (const [name, st] of this.state) {
      tensors.set(`${name}.exp_avg`, st.expAvg.clone());
      tensors.set(`${name}.exp_avg_sq`, st.expAvgSq.clone());
      steps[name] = st.step;
    }
    return { tensors, steps };
  }

  /** Restores a state saved by `getState` (copies the tensors). */
  setState(state: AdamWState): void {
    this.dispose();
    for (const [name, step] of Object.entries(state.steps)) {
      const param = this.params.find(([n]) => n === name);
      if (!param) throw new Error(`AdamW.setState: state for unknown parameter "${name}"`);
      const expAvg = state.tensors.get(`${name}.exp_avg`);
      const expAvgSq = state.tensors.get(`${name}.exp_avg_sq`);
      if (!expAvg || !expAvgSq) throw new Error(`AdamW.setState: moments of "${name}" are missing`);
      for (const t of [expAvg, expAvgSq]) {
        if (!sameShape(t.shape, param[1].shape)) throw new Error(`AdamW.setState: moment of "${name}" has shape [${t.shape}], parameter [${param[1].shape}]`);
      }
      this.state.set(name, { step, expAvg: tf.keep(expAvg.clone()), expAvgSq: tf.keep(expAvgSq.clone()) });
    }
  }

  /** Frees the moment tensors. */
  dispose(): void {
    for (const st of this.state.values()) {
      st.expAvg.dispose();
      st.expAvgSq.dispose();
    }
    this.state.clear();
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
