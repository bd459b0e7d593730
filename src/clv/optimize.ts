/**
 * Nelder-Mead simplex minimisation (Nelder & Mead 1965, with the standard coefficients
 * 1, 2, ½, ½ and Gao & Han 2012's note that these suit low dimensions), restarted from the
 * best vertex until a restart no longer improves: the usual guard against a simplex that
 * collapsed early (Press et al., Numerical Recipes §10.5).
 *
 * Hand-written: the CLV likelihoods have two to four parameters, need no gradient, and no npm
 * package offers a maintained, dependency-free, deterministic simplex.
 */
export interface MinimizeResult {
  x: Float64Array;
  value: number;
  iterations: number;
  converged: boolean;
}

export interface NelderMeadOptions {
  /** Initial step per coordinate. */
  step?: number;
  /** Stop when the simplex's values differ by at most this much and its vertices by at most xTol. */
  fTol?: number;
  xTol?: number;
  maxIterations?: number;
  maxRestarts?: number;
}

export function nelderMead(f: (x: Float64Array) => number, start: ArrayLike<number>, options: NelderMeadOptions = {}): MinimizeResult {
  const { step = 0.5, fTol = 1e-12, xTol = 1e-10, maxIterations = 20_000, maxRestarts = 20 } = options;
  let best = simplexRun(f, Float64Array.from(start), step, fTol, xTol, maxIterations);
  let iterations = best.iterations;
  for (let restart = 0; restart < maxRestarts; restart++) {
    const next = simplexRun(f, best.x, step / 10, fTol, xTol, maxIterations);
    iterations += next.iterations;
    const improved = best.value - next.value > fTol * (1 + Math.abs(best.value));
    if (next.value <= best.value) best = next;
    if (!improved) return { ...best, iterations, converged: best.converged };
  }
  return { ...best, iterations, converged: false };
}

function simplexRun(f: (x: Float64Array) => number, start: Float64Array, step: number, fTol: number, xTol: number, maxIterations: number): MinimizeResult {
  const n = start.length;
  const safe = (x: Float64Array) => {
    const v = f(x);
    return Number.isFinite(v) ? v : Infinity;
  };
  const points: Float64Array[] = [Float64Array.from(start)];
  for (let j = 0; j < n; j++) {
    const p = Float64Array.from(start);
    p[j] += step;
    points.push(p);
  }
  const values = points.map(safe);
  const centroid = new Float64Array(n);
  const trial = (from: Float64Array, towards: Float64Array, coefficient: number) => {
    const p = new Float64Array(n);
    for (let j = 0; j < n; j++) p[j] = from[j] + coefficient * (towards[j] - from[j]);
    return p;
  };
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    const order = values.map((_, k) => k).sort((u, v) => values[u] - values[v]);
    const sortedPoints = order.map((k) => points[k]);
    const sortedValues = order.map((k) => values[k]);
    for (let k = 0; k <= n; k++) {
      points[k] = sortedPoints[k];
      values[k] = sortedValues[k];
    }
    let spread = 0;
    for (let k = 1; k <= n; k++) for (let j = 0; j < n; j++) spread = Math.max(spread, Math.abs(points[k][j] - points[0][j]));
    if (Math.abs(values[n] - values[0]) <= fTol * (1 + Math.abs(values[0])) && spread <= xTol) {
      return { x: points[0], value: values[0], iterations, converged: true };
    }
    centroid.fill(0);
    for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) centroid[j] += points[k][j] / n;
    const worst = points[n];
    const reflected = trial(centroid, worst, -1);
    const fr = safe(reflected);
    if (fr < values[0]) {
      const expanded = trial(centroid, worst, -2);
      const fe = safe(expanded);
      if (fe < fr) {
        points[n] = expanded;
        values[n] = fe;
      } else {
        points[n] = reflected;
        values[n] = fr;
      }
      continue;
    }
    if (fr < values[n - 1]) {
      points[n] = reflected;
      values[n] = fr;
      continue;
    }
    const outside = fr < values[n];
    const contracted = outside ? trial(centroid, reflected, 0.5) : trial(centroid, worst, 0.5);
    const fc = safe(contracted);
    if (fc < (outside ? fr : values[n])) {
      points[n] = contracted;
      values[n] = fc;
      continue;
    }
    for (let k = 1; k <= n; k++) {
      points[k] = trial(points[0], points[k], 0.5);
      values[k] = safe(points[k]);
    }
  }
  let bestK = 0;
  for (let k = 1; k <= n; k++) if (values[k] < values[bestK]) bestK = k;
  return { x: points[bestK], value: values[bestK], iterations, converged: false };
}
