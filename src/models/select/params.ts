/**
 * Search spaces over whole estimator specs. A candidate is a base spec ({kind, options}) with
 * overrides at dotted paths inside `options`: "maxDepth", or through a pipeline
 * "model.options.maxDepth", or a whole part: "encoder", "model". A grid lists values per path
 * (scikit-learn's param_grid; a list of grids for spaces whose keys differ per model kind);
 * random search also takes distributions, all plain JSON so that candidates cross worker
 * threads and can be stored.
 */
import { PatronError } from "../../core/errors.ts";
import { rng, type Rng } from "../../core/rng.ts";
import type { EstimatorSpec } from "../types.ts";

export type ParamGrid = Record<string, readonly unknown[]>;

/** A distribution for random search (JSON): uniform or log-uniform reals, uniform integers. */
export type Distribution =
  | { uniform: [number, number] }
  | { logUniform: [number, number] }
  | { intUniform: [number, number] };

export type ParamDistributions = Record<string, readonly unknown[] | Distribution>;

export type Params = Record<string, unknown>;

/** Every combination of a grid (or list of grids), in scikit-learn's order: keys sorted, last key fastest. */
export function expandGrid(grid: ParamGrid | readonly ParamGrid[]): Params[] {
  const grids = Array.isArray(grid) ? grid : [grid];
  const out: Params[] = [];
  for (const g of grids as ParamGrid[]) {
    const keys = Object.keys(g).sort();
    for (const key of keys) {
      if (!Array.isArray(g[key]) || g[key].length === 0) {
        throw new PatronError("E_PARAM_GRID", `grid entry "${key}" must be a non-empty list of values; found ${JSON.stringify(g[key])}.`);
      }
    }
    const combine = (k: number, current: Params) => {
      if (k === keys.length) {
        out.push({ ...current });
        return;
      }
      for (const value of g[keys[k]]) combine(k + 1, { ...current, [keys[k]]: value });
    };
    combine(0, {});
  }
  return out;
}

function isDistribution(v: unknown): v is Distribution {
  return typeof v === "object" && v !== null && !Array.isArray(v) && ("uniform" in v || "logUniform" in v || "intUniform" in v);
}

function sample(d: readonly unknown[] | Distribution, random: Rng, key: string): unknown {
  if (Array.isArray(d)) return d[random.int(d.length)];
  if (!isDistribution(d)) throw new PatronError("E_PARAM_GRID", `"${key}" must be a list of values or {uniform|logUniform|intUniform: [low, high]}.`);
  if ("uniform" in d) return d.uniform[0] + random.next() * (d.uniform[1] - d.uniform[0]);
  if ("logUniform" in d) {
    const [lo, hi] = d.logUniform;
    if (!(lo > 0 && hi > lo)) throw new PatronError("E_PARAM_GRID", `"${key}": logUniform needs 0 < low < high; found [${lo}, ${hi}].`);
    return Math.exp(Math.log(lo) + random.next() * (Math.log(hi) - Math.log(lo)));
  }
  const [lo, hi] = d.intUniform;
  return lo + random.int(hi - lo + 1);
}

/**
 * nIter candidates. When every entry is a list, candidates are drawn from the grid without
 * replacement (all of it if it is smaller), as scikit-learn's ParameterSampler; otherwise each
 * entry is drawn independently.
 */
export function sampleParams(space: ParamDistributions, nIter: number, seed = 0): Params[] {
  if (!Number.isInteger(nIter) || nIter < 1) throw new PatronError("E_PARAM_GRID", `nIter must be an integer ≥ 1; found ${nIter}.`);
  const random = rng(seed);
  const keys = Object.keys(space).sort();
  if (keys.every((k) => Array.isArray(space[k]))) {
    const grid = expandGrid(space as ParamGrid);
    const picked: Params[] = [];
    const pool = [...grid];
    for (let t = 0; t < Math.min(nIter, grid.length); t++) picked.push(pool.splice(random.int(pool.length), 1)[0]);
    return picked;
  }
  return Array.from({ length: nIter }, () => Object.fromEntries(keys.map((k) => [k, sample(space[k], random, k)])));
}

/** The spec with the candidate's overrides applied (shorter paths first, so "model" then "model.options.x"). */
export function applyParams(base: EstimatorSpec, params: Params): EstimatorSpec {
  const spec = structuredClone(base) as EstimatorSpec;
  spec.options ??= {};
  const paths = Object.keys(params).sort((a, b) => a.split(".").length - b.split(".").length || a.localeCompare(b));
  for (const path of paths) {
    const parts = path.split(".");
    let target: Record<string, unknown> = spec.options;
    for (let p = 0; p < parts.length - 1; p++) {
      const next = target[parts[p]];
      if (typeof next !== "object" || next === null || Array.isArray(next)) {
        if (next !== undefined) {
          throw new PatronError("E_PARAM_GRID", `cannot set "${path}": "${parts.slice(0, p + 1).join(".")}" is ${JSON.stringify(next)}, not an object.`);
        }
        target[parts[p]] = {};
      }
      target = target[parts[p]] as Record<string, unknown>;
    }
    target[parts[parts.length - 1]] = structuredClone(params[path]);
  }
  return spec;
}
