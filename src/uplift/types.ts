/**
 * The uplift contract. An uplift estimator is a meta-learner built from ordinary Patron
 * estimators (`tLearner({ base: gbdt({ maxDepth: 4 }) })`, STYLE.md §3); `fit` takes the rows,
 * the outcome and the arm each row received, and returns an immutable model that predicts, for
 * every row, the response under each arm and the uplift of each treatment arm over control.
 *
 * Arms are integers: 0 is the control, 1..K the treatments (K = 1 for the classic binary case,
 * e.g. Hillstrom's Womens e-mail vs no e-mail; K = 4 for the IUM discount levels 5…20 % vs 0 %).
 * Matrices returned per arm are row-major (row i, arm k at i·nCols + k) because consumers read
 * one row's arms together (best arm, customer type, decision).
 */
import type { Matrix } from "../core/matrix.ts";
import type { Estimator, FitContext, Model, ModelJSON } from "../models/types.ts";

export interface UpliftFitContext extends FitContext {
  /** Names of the arms, control first (length K + 1). Default "control", "treatment" / "arm1"…. */
  arms?: readonly string[];
}

/** "binary": y is 0/1 and responses are probabilities. "continuous": y is an amount (spend). */
export type UpliftOutcome = "binary" | "continuous";

export interface UpliftModel extends Model {
  /** Uplift models predict an effect (a real number), so to the model registry they are regressions. */
  readonly task: "regression";
  /** Arm names, control first: arms[0] is the control, arms[1..K] the treatments. */
  readonly arms: readonly string[];
  readonly outcome: UpliftOutcome;
  /**
   * Uplift of each treatment arm over control: row-major nRows × K (for K = 1, one value per
   * row). For a binary outcome, a difference of probabilities.
   */
  predictUplift(x: Matrix): Float64Array;
  /**
   * Predicted response under each arm, control first: row-major nRows × (K + 1). For a binary
   * outcome, P(y = 1 | x, arm), clipped to [0, 1].
   */
  predictResponses(x: Matrix): Float64Array;
  /** Same as predictUplift (the Model contract's prediction). */
  predict(x: Matrix): Float64Array;
  toJSON(): ModelJSON;
}

export interface UpliftEstimator<M extends UpliftModel = UpliftModel> {
  readonly kind: string;
  readonly options: Readonly<Record<string, unknown>>;
  /**
   * @param treatment the arm of each row: 0 = control, 1..K treatments; every arm must occur.
   * Mutates nothing; randomness only from ctx.seed.
   */
  fit(x: Matrix, y: Float64Array, treatment: ArrayLike<number>, ctx?: UpliftFitContext): M;
}

/** Rebuilds a nested (base) model from its JSON; the model registry's modelFromJSON by default. */
export type ModelResolver = (json: unknown) => Model | Promise<Model>;

/** An estimator as stored in a model's JSON: enough to know what was fitted, not to refit it. */
export interface EstimatorSummary {
  kind: string;
  options: Record<string, unknown>;
}

export function summarizeEstimator(estimator: Estimator): EstimatorSummary {
  return { kind: estimator.kind, options: JSON.parse(JSON.stringify(estimator.options ?? {})) };
}
