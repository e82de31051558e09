// MergedLinear: loralib's LoRA on chosen slices of one fused projection (e.g. GPT-2 c_attn = [q | k | v] with
// enableLora [true, false, true]). With G = enableLora.length groups, E enabled and d = out / G:
// A [rank·E, in], B [d·E, rank]; enabled group k uses A rows k·rank… and B rows k·d…, and its ΔW lands in that
// group's output rows (loralib's zero_pad / lora_ind), the others get none.
import { Linear, type LinearOptions } from './linear.js';

/** Options for `MergedLinear` (loralib's arguments). */
export interface MergedLinearOptions extends LinearOptions {
  /** One flag per equal output slice (default [false], as loralib: no adapter). */
  enableLora?: boolean[];
}

/** loralib's lora.MergedLinear: one projection whose output slices can each carry a rank-`rank` adapter. */
export class MergedLinear extends Linear {
  /** Flags per output slice; the output splits into enableLora.length equal slices. */
  readonly enableLora: readonly boolean[];

  constructor(inFeatures: number, outFeatures: number, options: MergedLinearOptions = {}) {
    const enableLora = options.enableLora ?? [false];
    if (enableLora.length === 0 || outFeatures % enableLora.length !== 0) {
      throw new Error(`MergedLinear: outFeatures ${outFeatures} must be divisible by enableLora.length ${enableLora.length}`);
    }
    super(inFeatures, outFeatures, { ...options, enableLora });
    this.enableLora = enableLora.slice();
  }

  /** Boolean mask over the out features: true where an enabled slice lies (loralib's lora_ind). */
  loraIndex(): boolean[] {
    const d = this.outFeatures / this.enableLora.length;
    return this.enableLora.flatMap((on) => new Array<boolean>(d).fill(on));
  }
}
