/**
 * Pearson's χ² test of independence on an r × c table of counts (scipy.stats.chi2_contingency
 * without Yates' correction, which SciPy applies only to 2 × 2 tables): does the purchase rate
 * differ between discount levels at all? p = Q(df/2, χ²/2), the regularised upper incomplete
 * gamma function, by its series below a + 1 and its continued fraction above (Numerical
 * Recipes, 3rd ed., §6.2) — jstat has it but ships no types, and twenty lines do.
 */
import { PatronError } from "../../core/errors.ts";
import { lgamma } from "../../clv/special.ts";

export interface ChiSquareTest {
  statistic: number;
  dof: number;
  pValue: number;
  /** Expected counts under independence, row-major r × c. */
  expected: number[];
}

/** Q(a, x) = Γ(a, x) / Γ(a). */
export function gammaQ(a: number, x: number): number {
  if (!(a > 0) || !(x >= 0)) throw new PatronError("E_OPTION", `gammaQ needs a > 0 and x ≥ 0; found a = ${a}, x = ${x}.`);
  if (x === 0) return 1;
  const logPrefix = -x + a * Math.log(x) - lgamma(a);
  if (x < a + 1) {
    // Series for P(a, x): Σ x^n / (a (a+1) … (a+n)).
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 10_000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
    }
    return 1 - sum * Math.exp(logPrefix);
  }
  // Lentz's continued fraction for Q(a, x).
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(logPrefix) * h;
}

/** @param counts row-major nRows × nCols observed counts */
export function chiSquareIndependence(counts: readonly number[], nRows: number, nCols: number): ChiSquareTest {
  if (counts.length !== nRows * nCols || nRows < 2 || nCols < 2) {
    throw new PatronError("E_SHAPE", `a χ² test needs an r × c table with r, c ≥ 2; found ${counts.length} counts for ${nRows} × ${nCols}.`);
  }
  const rowSum = new Array<number>(nRows).fill(0);
  const colSum = new Array<number>(nCols).fill(0);
  let total = 0;
  for (let r = 0; r < nRows; r++) {
    for (let c = 0; c < nCols; c++) {
      const v = counts[r * nCols + c];
      rowSum[r] += v;
      colSum[c] += v;
      total += v;
    }
  }
  const expected: number[] = [];
  let statistic = 0;
  for (let r = 0; r < nRows; r++) {
    for (let c = 0; c < nCols; c++) {
      const e = (rowSum[r] * colSum[c]) / total;
      if (!(e > 0)) throw new PatronError("E_DATA", `row ${r} or column ${c} of the table is empty; a χ² test needs every level observed.`);
      expected.push(e);
      statistic += (counts[r * nCols + c] - e) ** 2 / e;
    }
  }
  const dof = (nRows - 1) * (nCols - 1);
  return { statistic, dof, pValue: gammaQ(dof / 2, statistic / 2), expected };
}
