/**
 * The uplift learners the Hillstrom job chooses from, by name, so that cross-validation tasks can
 * rebuild them on worker threads. Every meta-learner's base is a well-regularised Patron gbdt: shallow trees,
 * a learning rate of 0.05–0.1 and at most 150 rounds, because the e-mail effect is a few points of
 * visit rate — a deep or long-boosted model learns each arm's noise, and the T-learner's uplift,
 * a difference of two such models, doubles it. All of them are tree models, so the uplift of the
 * T- and X-learners has exact SHAP values (src/uplift/uplift-shap.ts), and an average is
 * explained through its T and X members (explain.ts); a forest, like an S-learner, through the
 * T-learner fitted beside it.
 *
 * - t-gbdt:        T-learner (Künzel et al. 2019), two depth-2 boosted models;
 * - x-gbdt:        X-learner with the design's known propensity (the arms' shares), depth-2
 *                  outcome models and depth-2 regression trees on the imputed effects;
 * - s-gbdt:        S-learner, one depth-3 model with the arm as a feature (trees form the
 *                  arm × feature interactions themselves);
 * - average-t-x-s: the three averaged (src/uplift/average.ts: weights ∝ 1 / each member's uplift
 *                  spread, so each moves the ranking equally) — in cross-validation rebuilt from
 *                  the members' own fold predictions, so it costs no extra fit.
 * - forest-{kl,ed}-{d4,d6}: uplift random forests (src/uplift/uplift-forest.ts; Guelman et al.
 *                  2015) with the KL or Euclidean divergence between the arms, 100 trees, either
 *                  depth 4 with leaves of at least 200 rows or depth 6 with leaves of at least 100.
 * The same names work for several arms (the 3-arm Hillstrom policy): every learner is multi-arm.
 */
import { PatronError } from "../../core/errors.ts";
import { gbdt } from "../../models/tree/gbdt.ts";
import { upliftAverage } from "../../uplift/average.ts";
import { upliftForest } from "../../uplift/uplift-forest.ts";
import { sLearner } from "../../uplift/s-learner.ts";
import { tLearner } from "../../uplift/t-learner.ts";
import type { UpliftEstimator } from "../../uplift/types.ts";
import { xLearner } from "../../uplift/x-learner.ts";

export interface Candidate {
  readonly name: string;
  /** How the report names it. */
  readonly label: string;
  /** Names of the candidates it averages (empty for a learner of its own). */
  readonly members: readonly string[];
  estimator(): UpliftEstimator;
}

const outcomeTrees = () => gbdt({ maxDepth: 2, nEstimators: 100, learningRate: 0.1, lambda: 1 });

const single = (name: string, label: string, estimator: () => UpliftEstimator): Candidate => ({ name, label, members: [], estimator });

const SINGLES: readonly Candidate[] = [
  single("t-gbdt", "T-learner, two gbdt (depth 2, 100 rounds)", () => tLearner({ base: outcomeTrees() })),
  single("x-gbdt", "X-learner, gbdt depth 2, known propensity", () =>
    xLearner({
      base: outcomeTrees(),
      effect: gbdt({ objective: "reg:squarederror", maxDepth: 2, nEstimators: 100, learningRate: 0.05, lambda: 1 }),
      propensity: "fraction",
    })),
  single("s-gbdt", "S-learner, gbdt (depth 3, 150 rounds)", () => sLearner({ base: gbdt({ maxDepth: 3, nEstimators: 150, learningRate: 0.1 }) })),
  // Uplift forests split on the arms' divergence itself rather than on each arm's response.
  ...(["kl", "ed"] as const).flatMap((criterion) => [
    single(`forest-${criterion}-d4`, `uplift forest, ${criterion.toUpperCase()} criterion, 100 trees of depth 4, leaves ≥ 200`, () =>
      upliftForest({ nTrees: 100, criterion, maxDepth: 4, minSamplesLeaf: 200 })),
    single(`forest-${criterion}-d6`, `uplift forest, ${criterion.toUpperCase()} criterion, 100 trees of depth 6, leaves ≥ 100`, () =>
      upliftForest({ nTrees: 100, criterion, maxDepth: 6, minSamplesLeaf: 100 })),
  ]),
];

function averageCandidate(name: string, memberNames: readonly string[]): Candidate {
  const members = memberNames.map((m) => candidate(m));
  return {
    name,
    label: `average of ${members.map((m) => m.name).join(", ")}`,
    members: memberNames,
    estimator: () => upliftAverage({ members: members.map((m) => m.estimator()) }),
  };
}

export const CANDIDATE_NAMES = Object.freeze([...SINGLES.map((c) => c.name), "average-t-x-s"]);

export function candidate(name: string): Candidate {
  const found = SINGLES.find((c) => c.name === name);
  if (found) return found;
  if (name === "average-t-x-s") return averageCandidate(name, ["t-gbdt", "x-gbdt", "s-gbdt"]);
  throw new PatronError("E_OPTION", `unknown uplift learner "${name}"; expected one of ${CANDIDATE_NAMES.join(", ")}.`);
}

/** The candidates whose own fits cross-validation runs (averages reuse their members' predictions). */
export function fittedNames(names: readonly string[]): string[] {
  const out = new Set<string>();
  for (const name of names) {
    const c = candidate(name);
    if (c.members.length === 0) out.add(name);
    else c.members.forEach((m) => out.add(m));
  }
  return [...out];
}
