/**
 * Limited-memory BFGS (Liu & Nocedal 1989; Nocedal & Wright, Numerical Optimization, 2nd ed.,
 * Algorithm 7.4 two-loop recursion) with a line search satisfying the strong Wolfe
 * conditions (Algorithms 3.5–3.6, cubic interpolation in the zoom). Hand-written because
 * no maintained JavaScript optimiser offers L-BFGS on typed arrays; it is what scikit-learn's
 * `lbfgs` solver runs through SciPy.
 *
 * Stops when the largest gradient component is ≤ gtol (SciPy's `gtol`, which scikit-learn
 * sets to its `tol`), after maxIter iterations, or when the line search can make no more
 * progress in floating point (then `converged` says whether the gradient test still holds
 * to within 10 · gtol).
 */

/** Writes the gradient at w into grad and returns the objective value. */
export type ObjectiveWithGradient = (w: Float64Array, grad: Float64Array) => number;

export interface LbfgsOptions {
  maxIter: number;
  gtol: number;
  /** Number of correction pairs kept (SciPy's maxcor). */
  memory?: number;
}

export interface LbfgsResult {
  x: Float64Array;
  f: number;
  nIter: number;
  converged: boolean;
}

const C1 = 1e-4;
const C2 = 0.9;

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k] * b[k];
  return s;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k]));
  return m;
}

export function minimizeLbfgs(fg: ObjectiveWithGradient, x0: Float64Array, options: LbfgsOptions): LbfgsResult {
  const n = x0.length;
  const m = options.memory ?? 10;
  const x = Float64Array.from(x0);
  const g = new Float64Array(n);
  let f = fg(x, g);
  const s: Float64Array[] = [];
  const y: Float64Array[] = [];
  const rho: number[] = [];
  const alpha = new Float64Array(m);
  const d = new Float64Array(n);
  const xNew = new Float64Array(n);
  const gNew = new Float64Array(n);
  let iter = 0;
  if (maxAbs(g) <= options.gtol) return { x, f, nIter: 0, converged: true };

  while (iter < options.maxIter) {
    // Two-loop recursion: d = −H·g with H the L-BFGS inverse-Hessian approximation.
    for (let k = 0; k < n; k++) d[k] = -g[k];
    for (let h = s.length - 1; h >= 0; h--) {
      alpha[h] = rho[h] * dot(s[h], d);
      for (let k = 0; k < n; k++) d[k] -= alpha[h] * y[h][k];
    }
    if (s.length > 0) {
      const last = s.length - 1;
      const gamma = dot(s[last], y[last]) / dot(y[last], y[last]);
      for (let k = 0; k < n; k++) d[k] *= gamma;
    }
    for (let h = 0; h < s.length; h++) {
      const beta = rho[h] * dot(y[h], d);
      for (let k = 0; k < n; k++) d[k] += s[h][k] * (alpha[h] - beta);
    }
    let slope = dot(g, d);
    if (!(slope < 0)) {
      // Not a descent direction (curvature information went stale): restart from steepest descent.
      s.length = y.length = rho.length = 0;
      for (let k = 0; k < n; k++) d[k] = -g[k];
      slope = dot(g, d);
    }
    const initialStep = s.length === 0 ? Math.min(1, 1 / Math.sqrt(-slope)) : 1;
    const step = wolfeLineSearch(fg, x, f, d, slope, initialStep, xNew, gNew);
    iter++;
    if (step === undefined) {
      return { x, f, nIter: iter, converged: maxAbs(g) <= 10 * options.gtol };
    }
    const sNew = new Float64Array(n);
    const yNew = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      sNew[k] = xNew[k] - x[k];
      yNew[k] = gNew[k] - g[k];
    }
    const sy = dot(sNew, yNew);
    x.set(xNew);
    g.set(gNew);
    f = step.f;
    // Skip pairs without positive curvature; they would make H indefinite.
    if (sy > 2.2e-16 * dot(yNew, yNew)) {
      if (s.length === m) {
        s.shift();
        y.shift();
        rho.shift();
      }
      s.push(sNew);
      y.push(yNew);
      rho.push(1 / sy);
    }
    if (maxAbs(g) <= options.gtol) return { x, f, nIter: iter, converged: true };
  }
  return { x, f, nIter: iter, converged: false };
}

/**
 * Finds a step a along d with f(x + a·d) ≤ f + c1·a·slope and |f'(a)| ≤ c2·|slope|.
 * On success xNew/gNew hold the new point and its gradient.
 */
function wolfeLineSearch(
  fg: ObjectiveWithGradient,
  x: Float64Array,
  f0: number,
  d: Float64Array,
  slope0: number,
  initialStep: number,
  xNew: Float64Array,
  gNew: Float64Array,
): { f: number } | undefined {
  const n = x.length;
  const evaluate = (a: number): { f: number; slope: number } => {
    for (let k = 0; k < n; k++) xNew[k] = x[k] + a * d[k];
    const value = fg(xNew, gNew);
    return { f: value, slope: dot(gNew, d) };
  };
  // Near the optimum f changes by less than its rounding error, and the plain Armijo test
  // fails on noise. Hager & Zhang's (2005) approximate Wolfe conditions then decide from the
  // slope, which is still accurate: f within rounding of f0 and σφ'(0) ≤ φ'(a) ≤ (2δ−1)φ'(0).
  const fNoise = 1e-13 * Math.abs(f0);
  const approximateWolfe = (f: number, slope: number): boolean =>
    f <= f0 + fNoise && slope >= C2 * slope0 && slope <= (2 * 0.1 - 1) * slope0;
  let aPrev = 0;
  let fPrev = f0;
  let slopePrev = slope0;
  let a = initialStep;
  for (let trial = 0; trial < 40; trial++) {
    const { f, slope } = evaluate(a);
    if (approximateWolfe(f, slope)) return { f };
    if (!Number.isFinite(f) || f > f0 + C1 * a * slope0 || (trial > 0 && f >= fPrev)) {
      return zoom(evaluate, f0, slope0, aPrev, fPrev, slopePrev, a, f, slope, approximateWolfe);
    }
    if (Math.abs(slope) <= -C2 * slope0) return { f };
    if (slope >= 0) return zoom(evaluate, f0, slope0, a, f, slope, aPrev, fPrev, slopePrev, approximateWolfe);
    aPrev = a;
    fPrev = f;
    slopePrev = slope;
    a *= 2;
  }
  return undefined;
}

function zoom(
  evaluate: (a: number) => { f: number; slope: number },
  f0: number,
  slope0: number,
  aLo: number,
  fLo: number,
  slopeLo: number,
  aHi: number,
  fHi: number,
  slopeHi: number,
  approximateWolfe: (f: number, slope: number) => boolean,
): { f: number } | undefined {
  let best: { f: number; a: number } | undefined;
  for (let trial = 0; trial < 40; trial++) {
    let a = cubicMinimizer(aLo, fLo, slopeLo, aHi, fHi, slopeHi);
    const lo = Math.min(aLo, aHi);
    const width = Math.abs(aHi - aLo);
    // Keep the trial well inside the bracket, or bisect.
    if (!(a > lo + 0.1 * width && a < lo + 0.9 * width)) a = (aLo + aHi) / 2;
    if (width <= 1e-16 * Math.max(1, Math.abs(aLo))) break;
    const { f, slope } = evaluate(a);
    if (approximateWolfe(f, slope)) return { f };
    if (!Number.isFinite(f) || f > f0 + C1 * a * slope0 || f >= fLo) {
      aHi = a;
      fHi = f;
      slopeHi = slope;
    } else {
      if (Math.abs(slope) <= -C2 * slope0) return { f };
      if (slope * (aHi - aLo) >= 0) {
        aHi = aLo;
        fHi = fLo;
        slopeHi = slopeLo;
      }
      aLo = a;
      fLo = f;
      slopeLo = slope;
      best = { f, a };
    }
  }
  // The bracket collapsed: accept the best sufficient-decrease point if it improves f.
  if (aLo > 0 && fLo < f0) {
    const { f } = evaluate(aLo);
    return { f };
  }
  return best && best.f < f0 ? { f: evaluate(best.a).f } : undefined;
}

/** Minimiser of the cubic through (a, fa, da) and (b, fb, db) (Nocedal & Wright eq. 3.59). */
function cubicMinimizer(a: number, fa: number, da: number, b: number, fb: number, db: number): number {
  const d1 = da + db - 3 * ((fa - fb) / (a - b));
  const disc = d1 * d1 - da * db;
  if (!(disc >= 0)) return NaN;
  const d2 = Math.sign(b - a) * Math.sqrt(disc);
  return b - (b - a) * ((db + d2 - d1) / (db - da + 2 * d2));
}
