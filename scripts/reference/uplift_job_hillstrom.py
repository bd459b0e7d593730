"""What scikit-learn / XGBoost meta-learners reach on issue #6's fixed Hillstrom holdout.

The holdout is the rows whose 0-based row number in the 64,000-row file is 0, 1 or 2 (mod 10);
everything else is training data. Features are the ones Patron's job uses
(src/features/hillstrom.ts): recency, history, mens, womens, newbie, zip_code and channel
one-hot. Target: visit. Comparisons: Womens E-Mail vs No E-Mail and Mens E-Mail vs No E-Mail.

Learners, written as scikit-uplift writes them (scikit-uplift itself is not installed here, no
PyPI; its models are thin wrappers, reproduced below line by line from sklift/models/models.py
0.5.1):
  - TwoModels (T-learner, method="vanilla") with two XGBClassifier
  - SoloModel (S-learner, treatment as a feature) with XGBClassifier
  - ClassTransformation with XGBClassifier
  - the same three with scikit-learn's LogisticRegression / GradientBoostingClassifier
Metrics come from scripts/reference/uplift_metrics.py (a port of sklift/metrics/metrics.py
0.5.1). For each comparison the file also stores the holdout's random-score band (200 seeds)
and the bootstrap sd of the best learner's uplift@30 %, numpy-seeded (Patron's own figures use
its seeded Rng, so they agree in distribution, not digit for digit).

Besides every learner's holdout figures (which pick nothing), the script applies Patron's own
selection protocol to the XGBoost and logistic learners — 5-fold cross-validation on the training
rows, stratified by arm × outcome, choosing the largest mean Qini AUC + mean uplift@30 % — so the
comparison with Patron's chosen learner is like for like.

The best-by-holdout learner's scores are stored (rounded to 1e-7) so test/jobs/uplift-reference
.test.ts recomputes the metrics with Patron's code on exactly these scores.

Run with Debian's interpreter:  /usr/bin/python3 scripts/reference/uplift_job_hillstrom.py
Writes test/reference/uplift_job_hillstrom.json.gz.
"""
import gzip
import json
import os
import sys

import numpy as np
import pandas as pd
import sklearn
import xgboost
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from uplift_metrics import qini_auc_score, uplift_at_k, uplift_auc_score  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
DATA = os.path.join(ROOT, "data", "hillstrom", "hillstrom.csv.gz")
OUT = os.path.join(ROOT, "test", "reference", "uplift_job_hillstrom.json.gz")
SEED = 0


def features(df):
    x = df[["recency", "history", "mens", "womens", "newbie"]].astype(float).copy()
    for level in ("Urban", "Surburban", "Rural"):
        x[f"zip_{level.lower()}"] = (df["zip_code"] == level).astype(float)
    for level in ("Phone", "Web", "Multichannel"):
        x[f"channel_{level.lower()}"] = (df["channel"] == level).astype(float)
    return x


# ---- scikit-uplift 0.5.1's models, reduced to their fit/predict paths ----------------------

class TwoModels:
    """sklift.models.TwoModels(method='vanilla'): uplift = P(y | treated model) − P(y | control model)."""

    def __init__(self, make):
        self.trmnt, self.ctrl = make(), make()

    def fit(self, x, y, t):
        self.ctrl.fit(x[t == 0], y[t == 0])
        self.trmnt.fit(x[t == 1], y[t == 1])
        return self

    def predict(self, x):
        return self.trmnt.predict_proba(x)[:, 1] - self.ctrl.predict_proba(x)[:, 1]


class SoloModel:
    """sklift.models.SoloModel(method='dummy'): treatment as one more feature."""

    def __init__(self, make):
        self.model = make()

    def fit(self, x, y, t):
        self.model.fit(np.column_stack([x, t]), y)
        return self

    def predict(self, x):
        ones, zeros = np.ones(len(x)), np.zeros(len(x))
        return self.model.predict_proba(np.column_stack([x, ones]))[:, 1] - self.model.predict_proba(np.column_stack([x, zeros]))[:, 1]


class ClassTransformation:
    """sklift.models.ClassTransformation: Z = y·t + (1−y)(1−t); uplift = 2·P(Z = 1) − 1."""

    def __init__(self, make):
        self.model = make()

    def fit(self, x, y, t):
        self.model.fit(x, (y == t).astype(int))
        return self

    def predict(self, x):
        return 2 * self.model.predict_proba(x)[:, 1] - 1


LEARNERS = {
    "T-learner, two XGBClassifier": lambda: TwoModels(lambda: xgboost.XGBClassifier(random_state=SEED, n_jobs=1)),
    "S-learner, XGBClassifier": lambda: SoloModel(lambda: xgboost.XGBClassifier(random_state=SEED, n_jobs=1)),
    "class transformation, XGBClassifier": lambda: ClassTransformation(lambda: xgboost.XGBClassifier(random_state=SEED, n_jobs=1)),
    "T-learner, two XGBClassifier (max_depth 2)": lambda: TwoModels(lambda: xgboost.XGBClassifier(max_depth=2, learning_rate=0.1, random_state=SEED, n_jobs=1)),
    "S-learner, XGBClassifier (max_depth 3)": lambda: SoloModel(lambda: xgboost.XGBClassifier(max_depth=3, learning_rate=0.1, random_state=SEED, n_jobs=1)),
    "class transformation, XGBClassifier (max_depth 2)": lambda: ClassTransformation(lambda: xgboost.XGBClassifier(max_depth=2, learning_rate=0.1, random_state=SEED, n_jobs=1)),
    "T-learner, two GradientBoostingClassifier": lambda: TwoModels(lambda: GradientBoostingClassifier(random_state=SEED)),
    "S-learner, GradientBoostingClassifier": lambda: SoloModel(lambda: GradientBoostingClassifier(random_state=SEED)),
    "T-learner, two LogisticRegression": lambda: TwoModels(lambda: make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))),
    "class transformation, LogisticRegression": lambda: ClassTransformation(lambda: make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))),
}


def bootstrap_sd(metric, y, u, t, n=200, seed=SEED):
    """sd of the metric over resamples of rows within the treated and within the control."""
    rng = np.random.default_rng(seed)
    treated, control = np.flatnonzero(t == 1), np.flatnonzero(t == 0)
    values = []
    for _ in range(n):
        idx = np.concatenate([rng.choice(treated, len(treated)), rng.choice(control, len(control))])
        values.append(metric(y[idx], u[idx], t[idx]))
    return float(np.std(values, ddof=1))


def random_band(metric, y, t, n=200, seed=SEED):
    rng = np.random.default_rng(seed)
    values = np.array([metric(y, rng.random(len(y)), t) for _ in range(n)])
    return {"mean": float(values.mean()), "sd": float(values.std(ddof=1)), "p95": float(np.quantile(values, 0.95)),
            "p975": float(np.quantile(values, 0.975)), "max": float(values.max())}


def at30(y, u, t):
    return uplift_at_k(y, u, t, "overall", 0.3)


# Patron's protocol, on the learners that fit in seconds (GradientBoostingClassifier takes minutes).
CV_LEARNERS = [name for name in LEARNERS if "GradientBoosting" not in name]


def cv_select(x, y, t, n_folds=5):
    folds = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=SEED).split(x, 2 * t + y)
    scores = {name: {"at30": [], "qini": []} for name in CV_LEARNERS}
    for train, test in folds:
        for name in CV_LEARNERS:
            u = LEARNERS[name]().fit(x[train], y[train], t[train]).predict(x[test])
            scores[name]["at30"].append(at30(y[test], u, t[test]))
            scores[name]["qini"].append(qini_auc_score(y[test], u, t[test]))
    table = [{"learner": name, "cv_uplift_at_30": float(np.mean(v["at30"])), "cv_qini_auc": float(np.mean(v["qini"]))} for name, v in scores.items()]
    chosen = max(table, key=lambda r: r["cv_uplift_at_30"] + r["cv_qini_auc"])
    return chosen["learner"], table


def main():
    df = pd.read_csv(DATA)
    x_all = features(df).to_numpy()
    y_all = df["visit"].to_numpy().astype(int)
    row = np.arange(len(df))
    holdout = np.isin(row % 10, [0, 1, 2])
    comparisons = []
    for arm in ("Womens E-Mail", "Mens E-Mail"):
        keep = df["segment"].isin([arm, "No E-Mail"]).to_numpy()
        t_all = (df["segment"] == arm).to_numpy().astype(int)
        train, test = keep & ~holdout, keep & holdout
        x, y, t = x_all[train], y_all[train], t_all[train]
        xh, yh, th = x_all[test], y_all[test], t_all[test]
        results = []
        scores = {}
        for name, make in LEARNERS.items():
            u = make().fit(x, y, t).predict(xh)
            scores[name] = u
            results.append({"learner": name, "uplift_at_30": at30(yh, u, th), "qini_auc": qini_auc_score(yh, u, th),
                            "uplift_auc": uplift_auc_score(yh, u, th)})
            print(f"{arm:14s} {name:50s} uplift@30 {results[-1]['uplift_at_30']:.4f}  Qini {results[-1]['qini_auc']:.4f}")
        chosen, cv_table = cv_select(x, y, t)
        chosen_result = next(r for r in results if r["learner"] == chosen)
        print(f"{arm:14s} chosen by CV: {chosen}: uplift@30 {chosen_result['uplift_at_30']:.4f}  Qini {chosen_result['qini_auc']:.4f}")
        best = max(results, key=lambda r: r["qini_auc"])
        # Stored rounded; the metrics of exactly the stored scores are stored with them.
        u_best = np.round(scores[best["learner"]], 7)
        comparisons.append({
            "arm": arm,
            "n_train": int(train.sum()), "n_holdout": int(test.sum()),
            "holdout_treated": int(th.sum()), "holdout_visits": int(yh.sum()),
            "ate_holdout": float(yh[th == 1].mean() - yh[th == 0].mean()),
            "learners": results,
            "cv_selection": {"protocol": "5-fold StratifiedKFold(shuffle, random_state=0) on arm x outcome; max mean Qini AUC + mean uplift@30",
                             "candidates": cv_table, "chosen": chosen, "holdout": chosen_result},
            "best_by_qini": best["learner"],
            "best_scores_metrics": {"uplift_at_30": at30(yh, u_best, th), "uplift_at_30_by_group": uplift_at_k(yh, u_best, th, "by_group", 0.3),
                                    "qini_auc": qini_auc_score(yh, u_best, th), "uplift_auc": uplift_auc_score(yh, u_best, th)},
            "best_uplift_at_30_bootstrap_sd": bootstrap_sd(at30, yh, u_best, th),
            "random_uplift_at_30": random_band(at30, yh, th),
            "random_qini_auc": random_band(qini_auc_score, yh, th),
            "holdout_rows": [int(r) for r in row[test]],
            "best_scores": [float(v) for v in u_best],
        })
    doc = {
        "generator": "scripts/reference/uplift_job_hillstrom.py",
        "holdout": "0-based row number mod 10 in {0, 1, 2}",
        "target": "visit",
        "versions": {"python": sys.version.split()[0], "numpy": np.__version__, "pandas": pd.__version__,
                     "scikit-learn": sklearn.__version__, "xgboost": xgboost.__version__,
                     "metrics": "port of scikit-uplift 0.5.1 sklift/metrics/metrics.py (scripts/reference/uplift_metrics.py)"},
        "comparisons": comparisons,
    }
    with gzip.open(OUT, "wt") as f:
        json.dump(doc, f, separators=(",", ":"), allow_nan=False)
    print(f"wrote {OUT}: {os.path.getsize(OUT)} bytes")


if __name__ == "__main__":
    main()
