/**
 * Column-wise scaling of numeric columns, with scikit-learn 1.2's exact rules so scaled
 * features (and the coefficients fitted on them) match reference fixtures to 1e-12:
 * - StandardScaler: (x − mean) / sd with the population sd (ddof = 0) from the corrected
 *   two-pass algorithm (Chan, Golub & LeVeque 1983); a column whose variance is within the
 *   algorithm's rounding bound of zero keeps scale 1.
 * - MinMaxScaler: x · scale + min mapping [dataMin, dataMax] onto featureRange; a zero range
 *   keeps scale 1.
 * - RobustScaler: (x − median) / (q75 − q25), quantiles by linear interpolation (NumPy's
 *   default), optionally divided by Φ⁻¹(q75) − Φ⁻¹(q25) so a normal column gets unit variance.
 * Missing values (NaN) are ignored in fit and stay NaN in transform, as in scikit-learn.
 * A column that is entirely missing in fit gets centre 0 and scale 1.
 */
import { z } from "zod";
import { PatronError } from "../../core/errors.ts";
import { frame, type Frame } from "../../core/frame.ts";
import type { Matrix } from "../../core/matrix.ts";
import { normalQuantile } from "./normal-quantile.ts";
import {
  frameAsMatrix,
  inputColumn,
  matrixAsFrame,
  numericColumn,
  parseModelJSON,
  parseOptions,
  type FittedTransformer,
  type Transformer,
} from "./transformer.ts";

const SCHEMA_VERSION = 1;
const EPS = 2.220446049250313e-16;

export const StandardScalerOptions = z.strictObject({
  withMean: z.boolean().default(true),
  withStd: z.boolean().default(true),
});
export const MinMaxScalerOptions = z.strictObject({
  featureRange: z
    .tuple([z.number(), z.number()])
    .refine(([lo, hi]) => lo < hi, "the lower bound must be below the upper bound")
    .default([0, 1]),
  clip: z.boolean().default(false),
});
export const RobustScalerOptions = z.strictObject({
  withCentering: z.boolean().default(true),
  withScaling: z.boolean().default(true),
  quantileRange: z
    .tuple([z.number().min(0).max(100), z.number().min(0).max(100)])
    .refine(([lo, hi]) => lo < hi, "the lower percentile must be below the upper one")
    .default([25, 75]),
  unitVariance: z.boolean().default(false),
});

export interface ScalerModel extends FittedTransformer {
  /**
   * Per column. Standard and robust: output = (x − center) / scale. Min-max: center is the
   * data minimum and scale the multiplier, output = x · scale + (rangeLow − center · scale),
   * scikit-learn's own form so results match it to the bit.
   */
  readonly center: Float64Array;
  readonly scale: Float64Array;
  /** Scales a Matrix whose columns are the fitted columns (any order is rejected). */
  transformMatrix(x: Matrix): Matrix;
}

type ScalerKind = "standard-scaler" | "min-max-scaler" | "robust-scaler";

/** What a fitted scaler stores: per column a centre and a scale (and, for min-max, an offset). */
interface ScalerState {
  columns: string[];
  center: number[];
  scale: number[];
}

const StateJSON = z.strictObject({
  columns: z.array(z.string()),
  center: z.array(z.number()),
  scale: z.array(z.number()),
});

function numericValues(f: Frame, kind: ScalerKind): { name: string; values: Float64Array }[] {
  return f.columns.map((c) => {
    if (c.kind !== "numeric") {
      throw new PatronError(
        "E_COLUMN_KIND",
        `${kind} got categorical column "${c.name}"; scalers take numeric columns only. Encode it (one-hot or ordinal) or leave it out of the scaler.`,
      );
    }
    return { name: c.name, values: c.values };
  });
}

function finiteValues(values: Float64Array): Float64Array {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) n++;
  if (n === values.length) return values;
  const out = new Float64Array(n);
  n = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) out[n++] = values[i];
  return out;
}

/** Mean and population variance by the corrected two-pass algorithm, as scikit-learn computes them. */
export function meanAndVariance(values: Float64Array): { mean: number; variance: number; n: number } {
  const x = finiteValues(values);
  const n = x.length;
  if (n === 0) return { mean: NaN, variance: NaN, n };
  let sum = 0;
  for (let i = 0; i < n; i++) sum += x[i];
  const mean = sum / n;
  let correction = 0;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const d = x[i] - mean;
    correction += d;
    squares += d * d;
  }
  return { mean, variance: (squares - (correction * correction) / n) / n, n };
}

/**
 * NumPy's `percentile(…, method="linear")` of sorted values, including its lerp that
 * interpolates from the upper end when the fraction is ≥ 0.5 (so results match to the bit).
 */
export function sortedQuantile(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const position = q * (n - 1);
  const below = Math.min(Math.max(Math.floor(position), 0), n - 1);
  const above = Math.min(below + 1, n - 1);
  const t = position - below;
  const a = sorted[below];
  const b = sorted[above];
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

function median(sorted: Float64Array): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const m = n >> 1;
  return n % 2 === 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
}

function fitState(kind: ScalerKind, opts: Record<string, unknown>, f: Frame): ScalerState {
  const columns = numericValues(f, kind);
  const center: number[] = [];
  const scale: number[] = [];
  for (const { values } of columns) {
    if (kind === "standard-scaler") {
      const o = opts as z.output<typeof StandardScalerOptions>;
      const { mean, variance, n } = meanAndVariance(values);
      if (n === 0) {
        center.push(0);
        scale.push(1);
        continue;
      }
      center.push(o.withMean ? mean : 0);
      const constant = variance <= n * EPS * variance + (n * mean * EPS) ** 2;
      scale.push(o.withStd && !constant ? Math.sqrt(variance) : 1);
    } else if (kind === "min-max-scaler") {
      const o = opts as z.output<typeof MinMaxScalerOptions>;
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      if (lo > hi) {
        center.push(0);
        scale.push(1);
        continue;
      }
      const range = hi - lo < 10 * EPS ? 1 : hi - lo;
      const [fLo, fHi] = o.featureRange;
      const s = (fHi - fLo) / range;
      center.push(lo);
      scale.push(s);
    } else {
      const o = opts as z.output<typeof RobustScalerOptions>;
      const sorted = finiteValues(values).slice().sort();
      if (sorted.length === 0) {
        center.push(0);
        scale.push(1);
        continue;
      }
      center.push(o.withCentering ? median(sorted) : 0);
      if (!o.withScaling) {
        scale.push(1);
        continue;
      }
      const [qLo, qHi] = o.quantileRange;
      let s = sortedQuantile(sorted, qHi / 100) - sortedQuantile(sorted, qLo / 100);
      if (s < 10 * EPS) s = 1;
      if (o.unitVariance) s /= normalQuantile(qHi / 100) - normalQuantile(qLo / 100);
      scale.push(s);
    }
  }
  return { columns: columns.map((c) => c.name), center, scale };
}

function build(kind: ScalerKind, opts: Record<string, unknown>, state: ScalerState): ScalerModel {
  const center = Float64Array.from(state.center);
  const scale = Float64Array.from(state.scale);
  const names = Object.freeze([...state.columns]);
  const minMax = kind === "min-max-scaler" ? (opts as z.output<typeof MinMaxScalerOptions>) : undefined;
  const scaleColumn = (j: number, values: Float64Array): Float64Array => {
    const out = new Float64Array(values.length);
    if (minMax) {
      const [fLo, fHi] = minMax.featureRange;
      const s = scale[j];
      const offset = fLo - center[j] * s;
      for (let i = 0; i < values.length; i++) {
        let v = values[i] * s + offset;
        if (minMax.clip) v = v < fLo ? fLo : v > fHi ? fHi : v;
        out[i] = v;
      }
    } else {
      const c = center[j];
      const s = scale[j];
      for (let i = 0; i < values.length; i++) out[i] = (values[i] - c) / s;
    }
    return out;
  };
  const transform = (f: Frame): Frame =>
    frame(names.map((name, j) => numericColumn(name, scaleColumn(j, inputColumn(f, name, "numeric", kind).values as Float64Array))));
  return Object.freeze({
    kind,
    inputColumns: names,
    outputColumns: names,
    outputSources: names,
    center,
    scale,
    transform,
    transformMatrix(x: Matrix): Matrix {
      if (x.nCols !== names.length || x.columns.some((name, j) => name !== names[j])) {
        throw new PatronError(
          "E_SHAPE",
          `${kind} was fitted on columns [${names.join(", ")}] but got [${x.columns.join(", ")}]; pass the same columns in the same order.`,
        );
      }
      return frameAsMatrix(transform(matrixAsFrame(x)), kind);
    },
    toJSON: () => ({ kind, schemaVersion: SCHEMA_VERSION, options: opts, ...state }),
  });
}

function scaler(kind: ScalerKind, schema: z.ZodType, options: unknown): Transformer<ScalerModel> {
  const opts = parseOptions(schema, options, kind) as Record<string, unknown>;
  return { kind, options: opts, fit: (f: Frame) => build(kind, opts, fitState(kind, opts, f)) };
}

export function standardScaler(options: z.input<typeof StandardScalerOptions> = {}): Transformer<ScalerModel> {
  return scaler("standard-scaler", StandardScalerOptions, options);
}
export function minMaxScaler(options: z.input<typeof MinMaxScalerOptions> = {}): Transformer<ScalerModel> {
  return scaler("min-max-scaler", MinMaxScalerOptions, options);
}
export function robustScaler(options: z.input<typeof RobustScalerOptions> = {}): Transformer<ScalerModel> {
  return scaler("robust-scaler", RobustScalerOptions, options);
}

const schemas = {
  "standard-scaler": StandardScalerOptions,
  "min-max-scaler": MinMaxScalerOptions,
  "robust-scaler": RobustScalerOptions,
} as const;

/** Rebuilds any of the three scalers from its JSON. */
export function scalerFromJSON(json: unknown): ScalerModel {
  const kind = (json as { kind?: unknown } | null)?.kind;
  if (kind !== "standard-scaler" && kind !== "min-max-scaler" && kind !== "robust-scaler") {
    throw new PatronError("E_MODEL_JSON", `expected a scaler JSON (standard, min-max or robust); found kind ${JSON.stringify(kind)}`);
  }
  const schema = StateJSON.extend({
    kind: z.literal(kind),
    schemaVersion: z.literal(SCHEMA_VERSION),
    options: schemas[kind],
  });
  const parsed = parseModelJSON(schema, json, kind);
  const n = parsed.columns.length;
  if (parsed.center.length !== n || parsed.scale.length !== n || parsed.scale.some((s) => s === 0)) {
    throw new PatronError("E_MODEL_JSON", `${kind} JSON needs one non-zero scale and one centre per column`);
  }
  return build(kind, parsed.options as Record<string, unknown>, {
    columns: parsed.columns,
    center: parsed.center,
    scale: parsed.scale,
  });
}
