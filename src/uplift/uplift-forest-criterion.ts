/**
 * The split criteria of uplift trees (Rzepakowski & Jaroszewicz 2012, "Decision trees for uplift
 * modeling with single and multiple treatments", Knowl. Inf. Syst. 32(2):303–327; R&J below): a
 * split is good when, below it, the outcome distributions of treatment and control differ more
 * than above it.
 *
 * For a binary outcome each arm's distribution is one number p = P(y = 1), and
 *   KL(P : Q)  = p·log2(p/q) + (1 − p)·log2((1 − p)/(1 − q))        (R&J eq. 3)
 *   ED(P : Q)  = Σ_y (P(y) − Q(y))² = 2(p − q)²                     (R&J eq. 4)
 *   χ²(P : Q)  = Σ_y (P(y) − Q(y))² / Q(y)                          (R&J eq. 5)
 * Several treatments (R&J §5): D = α·Σ_k λ_k·D(P^k : P^0) + (1 − α)·Σ_{i≠j} γ·D(P^i : P^j), with
 * equal λ_k = 1/K and γ = 1/(K(K − 1)) — α weighs "differs from control" against "the treatments
 * differ from each other" (which the choice between treatments needs). With one treatment, D is
 * simply D(P^1 : P^0).
 *
 * Gain of a test A with outcomes a (left, right): D(· | A) − D(·), where
 * D(· | A) = Σ_a N(a)/N · D(at a) (R&J eq. 6–7). The gain is divided by the normalisation
 * (R&J eq. 8–9; §5 for several treatments), which penalises tests that split treatment and control
 * unevenly (a split that separates the arms would fake a divergence) and tests with many
 * outcomes — the uplift analogue of Quinlan's gain ratio:
 *   KL:      I(A) = α·H(N^T/N, N^C/N)·KL(P^T(A) : P^C(A))
 *                   + (1 − α)·Σ_k H(N^k/(N^k+N^C), N^C/(N^k+N^C))·KL(P^k(A) : P^C(A))
 *                   + Σ_k N^k/N·H(P^k(A)) + N^C/N·H(P^C(A)) + 1/2
 *   ED, χ²:  J(A) = the same with the Gini index for H and the criterion's own D for KL,
 * where P^k(A) is how the test splits arm k's rows and T pools the treatments. causalml's
 * UpliftTreeClassifier computes I(A) with a two-argument entropyH(p, q) = −p·log q, not the
 * entropy of (p, q); we follow the paper. Entropies and KL are in bits, as in the paper.
 *
 * No JavaScript library grows uplift trees, hence this hand-written file.
 */
export type UpliftCriterion = "kl" | "ed" | "chi";

/** Probabilities are clamped away from 0 and 1 where a criterion divides or takes a logarithm. */
const EPS = 1e-6;

const log2 = (v: number) => Math.log(v) / Math.LN2;

/** D(P : Q) between two Bernoulli distributions with P(y = 1) = p and Q(y = 1) = q. */
export function bernoulliDivergence(criterion: UpliftCriterion, p: number, q: number): number {
  if (criterion === "ed") return 2 * (p - q) ** 2;
  const qc = Math.min(1 - EPS, Math.max(EPS, q));
  if (criterion === "chi") return (p - qc) ** 2 / qc + (p - qc) ** 2 / (1 - qc);
  // 0·log 0 = 0: a p of exactly 0 or 1 leaves one term.
  const one = p > 0 ? p * log2(p / qc) : 0;
  const zero = p < 1 ? (1 - p) * log2((1 - p) / (1 - qc)) : 0;
  return one + zero;
}

/**
 * The node's divergence from the arms' P(y = 1), control first (`rates[0]`), K = rates.length − 1.
 * `alpha` only matters for K ≥ 2.
 */
export function armsDivergence(criterion: UpliftCriterion, rates: ArrayLike<number>, alpha: number): number {
  const nTreatments = rates.length - 1;
  let vsControl = 0;
  for (let k = 1; k <= nTreatments; k++) vsControl += bernoulliDivergence(criterion, rates[k], rates[0]);
  vsControl /= nTreatments;
  if (nTreatments === 1) return vsControl;
  let between = 0;
  for (let i = 1; i <= nTreatments; i++) {
    for (let j = 1; j <= nTreatments; j++) if (i !== j) between += bernoulliDivergence(criterion, rates[i], rates[j]);
  }
  between /= nTreatments * (nTreatments - 1);
  return alpha * vsControl + (1 - alpha) * between;
}

/** Entropy (bits) of a two-outcome distribution (a, 1 − a). */
function entropy2(a: number): number {
  let h = 0;
  if (a > 0) h -= a * log2(a);
  if (a < 1) h -= (1 - a) * log2(1 - a);
  return h;
}

/** Gini index of a two-outcome distribution (a, 1 − a). */
function gini2(a: number): number {
  return 1 - a * a - (1 - a) * (1 - a);
}

/**
 * R&J's normalisation I(A) (KL) or J(A) (ED, χ²) of a binary test.
 * @param nArm rows of each arm in the node, control first
 * @param nLeftArm rows of each arm the test sends left
 */
export function splitNormalization(criterion: UpliftCriterion, nArm: ArrayLike<number>, nLeftArm: ArrayLike<number>, alpha: number): number {
  const impurity = criterion === "kl" ? entropy2 : gini2;
  const nArms = nArm.length;
  let nTreated = 0;
  let nLeftTreated = 0;
  for (let k = 1; k < nArms; k++) {
    nTreated += nArm[k];
    nLeftTreated += nLeftArm[k];
  }
  const nControl = nArm[0];
  const n = nTreated + nControl;
  const controlShare = nLeftArm[0] / nControl;
  const pooledShare = nLeftTreated / nTreated;
  // With one treatment the α and (1 − α) terms are the same term, so their sum is that term.
  let norm = (nArms === 2 ? 1 : alpha) * impurity(nTreated / n) * bernoulliDivergence(criterion, pooledShare, controlShare);
  for (let k = 1; k < nArms; k++) {
    const share = nLeftArm[k] / nArm[k];
    if (nArms > 2) norm += (1 - alpha) * impurity(nArm[k] / (nArm[k] + nControl)) * bernoulliDivergence(criterion, share, controlShare);
    norm += (nArm[k] / n) * impurity(share);
  }
  norm += (nControl / n) * impurity(controlShare);
  return norm + 0.5;
}
