// Host SVD for PiSSA initialisation: one-sided Jacobi (exact, float64) and randomized subspace iteration (fast).
import { mulberry32, nextSeed } from './init.js';

/** A thin SVD W [m, n] = U [m, k] · diag(S [k]) · Vt [k, n], singular values descending, row-major float64. */
export interface HostSvd {
  u: Float64Array;
  s: Float64Array;
  vt: Float64Array;
  m: number;
  n: number;
  k: number;
}

function transpose(a: Float64Array, m: number, n: number): Float64Array {
  const t = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) t[j * m + i] = a[i * n + j];
  return t;
}

/** Thin SVD of a row-major [m, n] matrix by one-sided Jacobi rotations (accurate to float64 rounding). */
export function svd(w: ArrayLike<number>, m: number, n: number): HostSvd {
  if (m < n) {
    const t = svd(transpose(Float64Array.from(w), m, n), n, m);
    // Wᵀ = U S Vt  ⇒  W = Vtᵀ S Uᵀ
    return { u: transpose(t.vt, t.k, m), s: t.s, vt: transpose(t.u, n, t.k), m, n, k: t.k };
  }
  // Columns of A (m ≥ n) are rotated until pairwise orthogonal; V accumulates the rotations.
  const cols: Float64Array[] = [];
  for (let j = 0; j < n; j++) {
    const c = new Float64Array(m);
    for (let i = 0; i < m; i++) c[i] = w[i * n + j];
    cols.push(c);
  }
  const v: Float64Array[] = [];
  for (let j = 0; j < n; j++) {
    const e = new Float64Array(n);
    e[j] = 1;
    v.push(e);
  }
  for (let sweep = 0; sweep < 60; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const cp = cols[p];
        const cq = cols[q];
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let i = 0; i < m; i++) {
          alpha += cp[i] * cp[i];
          beta += cq[i] * cq[i];
          gamma += cp[i] * cq[i];
        }
        if (Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta) || gamma === 0) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (let i = 0; i < m; i++) {
          const a = cp[i];
          const b = cq[i];
          cp[i] = c * a - s * b;
          cq[i] = s * a + c * b;
        }
        const vp = v[p];
        const vq = v[q];
        for (let i = 0; i < n; i++) {
          const a = vp[i];
          const b = vq[i];
          vp[i] = c * a - s * b;
          vq[i] = s * a + c * b;
        }
      }
    }
    if (!rotated) break;
  }
  const norms = cols.map((c) => Math.sqrt(c.reduce((acc, x) => acc + x * x, 0)));
  const order = norms.map((_, j) => j).sort((a, b) => norms[b] - norms[a]);
  const k = n;
  const u = new Float64Array(m * k);
  const s = new Float64Array(k);
  const vt = new Float64Array(k * n);
  order.forEach((j, r) => {
    s[r] = norms[j];
    for (let i = 0; i < m; i++) u[i * k + r] = norms[j] > 0 ? cols[j][i] / norms[j] : 0;
    for (let i = 0; i < n; i++) vt[r * n + i] = v[j][i];
  });
  return { u, s, vt, m, n, k };
}

/** Orthonormalises the columns of a row-major [m, q] matrix in place (modified Gram–Schmidt, run twice). */
function orthonormalise(a: Float64Array, m: number, q: number): void {
  for (let pass = 0; pass < 2; pass++) {
    for (let j = 0; j < q; j++) {
      for (let p = 0; p < j; p++) {
        let dot = 0;
        for (let i = 0; i < m; i++) dot += a[i * q + p] * a[i * q + j];
        for (let i = 0; i < m; i++) a[i * q + j] -= dot * a[i * q + p];
      }
      let norm = 0;
      for (let i = 0; i < m; i++) norm += a[i * q + j] ** 2;
      norm = Math.sqrt(norm) || 1;
      for (let i = 0; i < m; i++) a[i * q + j] /= norm;
    }
  }
}

/** C [m, q] = A [m, n] · B [n, q]; with `transA`, A is given as [n, m]. */
function matmul(a: ArrayLike<number>, b: Float64Array, m: number, n: number, q: number, transA = false): Float64Array {
  const c = new Float64Array(m * q);
  for (let i = 0; i < m; i++)
    for (let l = 0; l < n; l++) {
      const x = transA ? a[l * m + i] : a[i * n + l];
      if (x === 0) continue;
      for (let j = 0; j < q; j++) c[i * q + j] += x * b[l * q + j];
    }
  return c;
}

/**
 * Approximate top-`rank` SVD by randomized subspace iteration with `niter` power steps (like torch.svd_lowrank, with
 * 5 extra oversampling columns), truncated to `rank`.
 */
export function svdLowRank(w: ArrayLike<number>, m: number, n: number, rank: number, niter: number): HostSvd {
  const q = Math.min(rank + 5, m, n);
  const rand = mulberry32(nextSeed() ?? Math.floor(Math.random() * 2 ** 32));
  const g = new Float64Array(n * q);
  for (let i = 0; i < g.length; i++) g[i] = Math.sqrt(-2 * Math.log(rand() || 1e-300)) * Math.cos(2 * Math.PI * rand());
  let y = matmul(w, g, m, n, q); // [m, q]
  orthonormalise(y, m, q);
  for (let it = 0; it < niter; it++) {
    const z = matmul(w, y, n, m, q, true); // Wᵀ·Q [n, q]
    orthonormalise(z, n, q);
    y = matmul(w, z, m, n, q);
    orthonormalise(y, m, q);
  }
  const bt = matmul(w, y, n, m, q, true); // (Qᵀ W)ᵀ [n, q]
  const small = svd(transpose(bt, n, q), q, n); // Qᵀ W [q, n]
  const uAll = matmul(y, small.u, m, q, small.k); // Q · U_small [m, q]
  const k = Math.min(rank, small.k);
  const u = new Float64Array(m * k);
  for (let i = 0; i < m; i++) for (let r = 0; r < k; r++) u[i * k + r] = uAll[i * small.k + r];
  return { u, s: small.s.slice(0, k), vt: small.vt.slice(0, k * n), m, n, k };
}
