/**
 * Special functions the buy-till-you-die models need: log Γ (Lanczos, g = 7, 9 terms, as in
 * Numerical Recipes 3rd ed. §6.1 — about 15 significant digits for x > 0) and the Gauss
 * hypergeometric 2F1(a, b; c; z) for 0 ≤ z < 1 in log space.
 *
 * Hand-written because no npm package offers a log-space 2F1: BG/NBD's conditional expectation
 * (Fader, Hardie & Lee 2005, eq. 10) takes 2F1(r + x, b + x; a + b + x − 1; z) whose value
 * overflows a double for heavy buyers (x in the hundreds) when z is near 1; lifetimes falls back
 * to Euler's transformation when it sees inf. Here the series is summed with a running scale
 * instead, so it never overflows, and Euler's transformation is used when it converges faster.
 */
import { PatronError } from "../core/errors.ts";

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** log Γ(x) for x > 0 (reflection for x < 0.5). */
export function lgamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0];
  for (let k = 1; k < 9; k++) sum += LANCZOS[k] / (z + k);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/**
 * 2F1(a, b; c; z) = sign · exp(logAbs) by its power series Σ (a)_n (b)_n / (c)_n z^n / n!, for
 * 0 ≤ z < 1 and c not a non-positive integer (BG/NBD's c = a + b + x − 1 can be negative when
 * a + b < 1, which real data produce). The running sum is rescaled whenever it grows past
 * 1e200 so that huge values stay representable. Throws when the series has not converged
 * after maxTerms terms.
 */
export function hyp2f1Parts(a: number, b: number, c: number, z: number, maxTerms = 1_000_000): { logAbs: number; sign: number } {
  if (!(z >= 0 && z < 1) || (c <= 0 && Number.isInteger(c))) {
    throw new PatronError("E_HYP2F1", `2F1 is evaluated here only for 0 ≤ z < 1 and c not a non-positive integer; found a=${a}, b=${b}, c=${c}, z=${z}`);
  }
  if (z === 0) return { logAbs: 0, sign: 1 };
  // Euler: 2F1(a,b;c;z) = (1-z)^(c-a-b) 2F1(c-a, c-b; c; z). Its terms shrink sooner when
  // (c-a)(c-b) is smaller in size than ab, which is the case for BG/NBD's heavy buyers.
  if (Math.abs((c - a) * (c - b)) < Math.abs(a * b)) {
    const inner = series(c - a, c - b, c, z, maxTerms);
    return { logAbs: (c - a - b) * Math.log1p(-z) + inner.logAbs, sign: inner.sign };
  }
  return series(a, b, c, z, maxTerms);
}

/** log 2F1 where the value is known to be positive (throws otherwise). */
export function logHyp2f1(a: number, b: number, c: number, z: number, maxTerms = 1_000_000): number {
  const { logAbs, sign } = hyp2f1Parts(a, b, c, z, maxTerms);
  if (sign <= 0) throw new PatronError("E_HYP2F1", `2F1(${a}, ${b}; ${c}; ${z}) is not positive; its logarithm is undefined`);
  return logAbs;
}

function series(a: number, b: number, c: number, z: number, maxTerms: number): { logAbs: number; sign: number } {
  let logScale = 0;
  let term = 1;
  let sum = 1;
  for (let n = 0; n < maxTerms; n++) {
    term *= ((a + n) * (b + n)) / ((c + n) * (n + 1)) * z;
    sum += term;
    if (Math.abs(sum) > 1e200) {
      sum /= 1e200;
      term /= 1e200;
      logScale += 200 * Math.LN10;
    }
    // Once n exceeds |a|, |b| and |c| the term ratio is below z, so the tail is at most term·z/(1−z).
    if ((term === 0 || Math.abs(term) <= 1e-17 * Math.abs(sum)) && (term === 0 || n > Math.abs(a) + Math.abs(b) + Math.abs(c))) {
      if (sum === 0) return { logAbs: -Infinity, sign: 0 };
      return { logAbs: logScale + Math.log(Math.abs(sum)), sign: Math.sign(sum) };
    }
  }
  throw new PatronError(
    "E_HYP2F1",
    `2F1(${a}, ${b}; ${c}; ${z}) did not converge in ${maxTerms} terms; ` +
      "this happens when z is extremely close to 1 (a forecast horizon far longer than the observed history). Use a shorter horizon.",
  );
}
