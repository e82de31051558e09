// NIST's brevity penalty, in the two arithmetic orders of pymteval.py and mteval-v13a.pl.

/** pymteval's `BETA = -log(0.5) / log(1.5) ** 2`: the penalty is 0.5 at 1.5× too short. */
const PY_BETA = -Math.log(0.5) / Math.log(1.5) ** 2;

/** pymteval's `nist_length_penalty(lsys / avg_lref)`. */
export function nistLengthPenalty(ratio: number): number {
  if (ratio >= 1) return 1;
  if (ratio <= 0) return 0;
  return Math.exp(-PY_BETA * Math.log(ratio) ** 2);
}

/** mteval-v13a.pl's `nist_length_penalty($ratio)`. */
export function nistLengthPenaltyPerl(ratio: number): number {
  if (ratio >= 1) return 1;
  if (ratio <= 0) return 0;
  const beta = -Math.log(0.5) / Math.log(1.5) / Math.log(1.5);
  return Math.exp(-beta * Math.log(ratio) * Math.log(ratio));
}
