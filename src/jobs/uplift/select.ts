/**
 * Choosing the uplift learner on the training rows only: stratified k-fold cross-validation
 * (strata = arm × outcome, so every fold keeps the experiment's balance and response rate),
 * each candidate scored on every held-out fold by scikit-uplift's Qini AUC and uplift@30 %, and
 * the candidate with the largest mean of the two chosen — the two figures the campaign is judged
 * by, weighted equally (they are on the same scale, a few hundredths). The holdout is never
 * looked at here; the fold-to-fold sd is reported with each mean so a reader sees how little
 * separates the candidates.
 */
import type { Matrix } from "../../core/matrix.ts";
import { silentProgress, type Progress } from "../../core/progress.ts";
import { runTasks, type WorkerTask } from "../../core/worker-pool.ts";
import { upliftAtK } from "../../metrics/uplift-at-k.ts";
import { qiniAucScore } from "../../metrics/uplift-curves.ts";
import { shareValues } from "../../models/select/fit-task.ts";
import { stratifiedKFold } from "../../models/select/folds.ts";
import { candidate, fittedNames } from "./candidates.ts";
import type { FoldPrediction, FoldTaskPayload } from "./cv-task.ts";
import { inverseSpreadWeights } from "../../uplift/average.ts";

export interface CandidateScore {
  name: string;
  label: string;
  upliftAt30: { mean: number; sd: number; folds: number[] };
  qiniAuc: { mean: number; sd: number; folds: number[] };
  /** The selection criterion: mean Qini AUC + mean uplift@30 %. */
  score: number;
}

export interface Selection {
  chosen: string;
  nFolds: number;
  criterion: string;
  candidates: CandidateScore[];
}

export interface SelectOptions {
  candidates: readonly string[];
  nFolds?: number;
  seed?: number;
  nThreads?: number;
  progress?: Progress;
}

function meanSd(values: number[]): { mean: number; sd: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const ss = values.reduce((a, v) => a + (v - mean) ** 2, 0);
  return { mean, sd: Math.sqrt(ss / Math.max(1, values.length - 1)) };
}

/**
 * @param treatment 0 (control) / 1 (treated) per training row
 */
export async function selectLearner(x: Matrix, y: Float64Array, treatment: Int32Array, options: SelectOptions): Promise<Selection> {
  const nFolds = options.nFolds ?? 5;
  const seed = options.seed ?? 0;
  const strata = Float64Array.from(y, (v, i) => 2 * treatment[i] + v);
  const folds = stratifiedKFold(strata, { nSplits: nFolds, shuffle: true, seed });
  const data = shareValues(x.data);
  const ys = shareValues(y);
  const fitted = fittedNames(options.candidates);
  const tasks: WorkerTask<FoldTaskPayload>[] = [];
  for (const name of fitted) {
    folds.forEach((fold, f) => {
      tasks.push({
        module: new URL("./cv-task.ts", import.meta.url).href,
        fn: "fitFold",
        payload: { candidate: name, data, nRows: x.nRows, columns: [...x.columns], y: ys, treatment, train: fold.train, test: fold.test, seed: seed + f },
      });
    });
  }
  const progress = options.progress ?? silentProgress;
  progress.start("cross-validate learners", tasks.length);
  const predictions = await runTasks<FoldTaskPayload, FoldPrediction>(tasks, { nThreads: options.nThreads, onDone: () => progress.tick() });
  progress.stop();
  const foldUplift = (name: string, f: number) => predictions[fitted.indexOf(name) * nFolds + f];

  const candidates = options.candidates.map((name): CandidateScore => {
    const c = candidate(name);
    const at30: number[] = [];
    const qini: number[] = [];
    folds.forEach((fold, f) => {
      // An average is rebuilt from its members' fold predictions, weighted as averageOf would.
      const members = (c.members.length > 0 ? c.members : [name]).map((m) => foldUplift(m, f));
      const weights = inverseSpreadWeights(members.map((m) => m.spread));
      const uplift = new Float64Array(fold.test.length);
      members.forEach((m, k) => {
        for (let r = 0; r < uplift.length; r++) uplift[r] += weights[k] * m.uplift[r];
      });
      const yTest = Float64Array.from(fold.test, (i) => y[i]);
      const tTest = Float64Array.from(fold.test, (i) => treatment[i]);
      at30.push(upliftAtK(yTest, uplift, tTest, { k: 0.3 }));
      qini.push(qiniAucScore(yTest, uplift, tTest));
    });
    const a = meanSd(at30);
    const q = meanSd(qini);
    return { name, label: c.label, upliftAt30: { ...a, folds: at30 }, qiniAuc: { ...q, folds: qini }, score: a.mean + q.mean };
  });
  const best = candidates.reduce((a, b) => (b.score > a.score ? b : a));
  return {
    chosen: best.name,
    nFolds,
    criterion: `largest mean Qini AUC + mean uplift@30% over ${nFolds} stratified folds of the training rows`,
    candidates,
  };
}
