// LoRA factors as files hold them, independent of naming: the meeting point of loralib and PEFT layouts.
// Shapes follow PyTorch: loraA is [rank, in] (embedding: [rank, numEmbeddings]), loraB is [out, rank] (embedding: [dim, rank]).
import { allocate, dtypeSize, type HostTensor, type StateDict } from './dtype.js';

/** One adapted module. */
export interface LoraModule {
  /** Module path in the model, e.g. `roberta.encoder.layer.0.attention.self.query`. */
  path: string;
  kind: 'linear' | 'embedding';
  rank: number;
  alpha: number;
  loraA: HostTensor;
  loraB: HostTensor;
  /**
   * loralib `MergedLinear` groups of a fused projection, e.g. `[true, false, true]` for GPT-2 `c_attn` with LoRA on
   * q and v. Then loraA is [rank·E, in] and loraB is [d·E, rank] with E enabled groups of d outputs each.
   */
  enableLora?: boolean[];
}

/** The LoRA content of a file. */
export interface LoraWeights {
  modules: LoraModule[];
  /** Tensors that are not LoRA factors (classifier heads, biases, modules_to_save), keyed by model path. */
  extra: StateDict;
}

/** `alpha / rank`, the factor on B·A. */
export function loraScaling(m: Pick<LoraModule, 'alpha' | 'rank'>): number {
  return m.alpha / m.rank;
}

/**
 * Rewrites a MergedLinear module as one plain LoRA on the whole fused projection, exactly: rank E·r, loraA unchanged
 * (it already stacks the E per-group A's), loraB [G·d, E·r] holding group k's B in rows of its enabled group and
 * columns k·r..(k+1)·r, zeros elsewhere, and alpha E·alpha so that scaling (alpha/rank) is unchanged. B'·A' then equals
 * loralib's zero-padded merge_AB(), and dropout(x) is shared by all groups in both.
 */
export function expandMerged(m: LoraModule): LoraModule {
  if (!m.enableLora) return m;
  const groups = m.enableLora.length;
  const enabled = m.enableLora.filter(Boolean).length;
  const r = m.rank;
  const [dE] = m.loraB.shape;
  const d = dE / enabled;
  const size = dtypeSize(m.loraB.dtype);
  const src = new Uint8Array(m.loraB.data.buffer, m.loraB.data.byteOffset, m.loraB.data.byteLength);
  const out = allocate(m.loraB.dtype, groups * d * enabled * r);
  const dst = new Uint8Array(out.buffer);
  let k = 0;
  for (let g = 0; g < groups; g++) {
    if (!m.enableLora[g]) continue;
    for (let row = 0; row < d; row++) {
      // B[k·d + row, :] -> B'[g·d + row, k·r : (k+1)·r]
      const from = (k * d + row) * r * size;
      const to = ((g * d + row) * enabled * r + k * r) * size;
      dst.set(src.subarray(from, from + r * size), to);
    }
    k++;
  }
  return {
    path: m.path,
    kind: m.kind,
    rank: enabled * r,
    alpha: enabled * m.alpha,
    loraA: m.loraA,
    loraB: { dtype: m.loraB.dtype, shape: [groups * d, enabled * r], data: out },
  };
}

/**
 * The inverse of `expandMerged`: when loraB is zero outside the blocks `enableLora` implies, returns the MergedLinear
 * form; otherwise undefined (the adapter is a general rank-E·r LoRA and stays one).
 */
export function collapseMerged(m: LoraModule, enableLora: boolean[]): LoraModule | undefined {
  const groups = enableLora.length;
  const enabled = enableLora.filter(Boolean).length;
  if (enabled === 0 || m.rank % enabled !== 0 || m.loraB.shape[0] % groups !== 0) return undefined;
  const r = m.rank / enabled;
  const d = m.loraB.shape[0] / groups;
  const size = dtypeSize(m.loraB.dtype);
  const src = new Uint8Array(m.loraB.data.buffer, m.loraB.data.byteOffset, m.loraB.data.byteLength);
  const out = allocate(m.loraB.dtype, enabled * d * r);
  const dst = new Uint8Array(out.buffer);
  const enabledIndex = enableLora.map((_, g) => enableLora.slice(0, g).filter(Boolean).length);
  for (let g = 0; g < groups; g++) {
    for (let row = 0; row < d; row++) {
      for (let k = 0; k < enabled; k++) {
        const from = ((g * d + row) * enabled * r + k * r) * size;
        const block = src.subarray(from, from + r * size);
        if (enableLora[g] && enabledIndex[g] === k) dst.set(block, (k * d + row) * r * size);
        else if (block.some((b) => b !== 0)) return undefined;
      }
    }
  }
  return {
    path: m.path,
    kind: m.kind,
    rank: r,
    alpha: m.alpha / enabled,
    loraA: m.loraA,
    loraB: { dtype: m.loraB.dtype, shape: [enabled * d, r], data: out },
    enableLora: [...enableLora],
  };
}
