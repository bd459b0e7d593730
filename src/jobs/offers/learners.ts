/**
 * The discount-response learners the offers job chooses from: multi-arm uplift models over the
 * discount levels (arm 0 = no discount) on the session features, each predicting P(buy | x, d)
 * for every level d.
 *
 * - s-dose-gbdt: S-learner with the discount as one numeric column (src/uplift/s-learner.ts,
 *   armValues): a tree splits "discount ≥ 10 %" once for all levels and shares what it learns
 *   between neighbouring doses — the learner for few rows per level;
 * - t-gbdt: T-learner, one gbdt per level (Künzel et al. 2019) — each level's response learned
 *   on its own rows, which a large shop can afford.
 * Both are gbdt of depth 4: the simulator's responses depend on products of type, price and
 * threshold, which need a few levels of interaction.
 */
import { PatronError } from "../../core/errors.ts";
import { gbdt } from "../../models/tree/gbdt.ts";
import { sLearner } from "../../uplift/s-learner.ts";
import { tLearner } from "../../uplift/t-learner.ts";
import type { UpliftEstimator } from "../../uplift/types.ts";

export interface DiscountLearner {
  readonly name: string;
  readonly label: string;
  estimator(levels: readonly number[]): UpliftEstimator;
}

const LEARNERS: readonly DiscountLearner[] = [
  {
    name: "s-dose-gbdt",
    label: "S-learner, gbdt (depth 4, 100 rounds), discount as a dose column",
    estimator: (levels) => sLearner({ base: gbdt({ maxDepth: 4, nEstimators: 100, learningRate: 0.1 }), armValues: [...levels] }),
  },
  {
    name: "t-gbdt",
    label: "T-learner, one gbdt per discount level (depth 4, 60 rounds)",
    estimator: () => tLearner({ base: gbdt({ maxDepth: 4, nEstimators: 60, learningRate: 0.15 }) }),
  },
];

export const DISCOUNT_LEARNER_NAMES = Object.freeze(LEARNERS.map((l) => l.name));

export function discountLearner(name: string): DiscountLearner {
  const found = LEARNERS.find((l) => l.name === name);
  if (!found) throw new PatronError("E_OPTION", `unknown discount learner "${name}"; expected one of ${DISCOUNT_LEARNER_NAMES.join(", ")}.`);
  return found;
}
