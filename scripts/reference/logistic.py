"""Reference coefficients for src/models/linear/logistic-regression.ts from scikit-learn.

Run with Debian's interpreter: /usr/bin/python3 scripts/reference/logistic.py
Writes test/reference/logistic.json: a seeded synthetic dataset (binary and 3-class labels,
sample weights), and for each configuration scikit-learn's coef_, intercept_ and
predict_proba on the first rows.

Cases ask for a tight tol (1e-10) and a large max_iter so that scikit-learn reports the optimum
of its objective; Patron solves the same objective, so the comparison tests that both minimise
the same function, not that two iteration sequences agree. liblinear and saga honour the tight
tol. scikit-learn's lbfgs does not: SciPy's L-BFGS-B also stops on a relative decrease of
2.2e-9 (`ftol`, not exposed by scikit-learn), which on raw-scale columns leaves it ~2e-4 from
the optimum. So every lbfgs case also records `optimum`, the same objective solved by
scikit-learn's newton-cg at tol 1e-12, and `lbfgsGap` = max |lbfgs − optimum|; lbfgs cases run
on standardised columns (as a pipeline feeds them), where lbfgs does reach the optimum, plus one
raw-scale case that documents the gap.
"""
import json
import platform
import sys
import warnings
from pathlib import Path

import numpy as np
import scipy
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

rng = np.random.default_rng(20240611)

n, p = 400, 6
latent = rng.normal(size=(n, 3))
X = np.column_stack(
    [
        latent[:, 0],
        0.6 * latent[:, 0] + 0.8 * latent[:, 1],  # correlated with the first
        rng.normal(2.0, 3.0, n),  # a shifted, wider column
        rng.uniform(-1, 1, n),
        (rng.random(n) < 0.3).astype(float),  # a 0/1 flag
        latent[:, 2] * 0.5,
    ]
)
X = np.round(X, 4)
Xs = StandardScaler().fit_transform(X)
margin = 0.4 + 1.2 * X[:, 0] - 0.8 * X[:, 1] + 0.15 * X[:, 2] + 0.7 * X[:, 4] + rng.logistic(size=n) * 0.8
y = (margin > 0.5).astype(float)
# Three classes from two thresholds of another noisy score.
score3 = X[:, 0] + 0.5 * X[:, 3] - 0.3 * X[:, 5] + rng.normal(0, 0.7, n)
y3 = np.digitize(score3, [-0.5, 0.6]).astype(float)
sample_weight = np.round(rng.uniform(0.2, 2.5, n), 2)
n_check = 25

TIGHT = dict(tol=1e-10, max_iter=100000)


def arr(a):
    return [float(v) for v in np.asarray(a, dtype=float).ravel()]


cases = []


def case(name, patron_options, sk_options, labels="binary", weighted=False, data="standardized"):
    target = y if labels == "binary" else y3
    features = Xs if data == "standardized" else X
    sw = sample_weight if weighted else None
    model = LogisticRegression(**sk_options)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(features, target, sample_weight=sw)
    proba = model.predict_proba(features[:n_check])
    entry = {
        "name": name,
        "patron": patron_options,
        "sklearn": sk_options,
        "labels": labels,
        "weighted": weighted,
        "data": data,
        "coef": arr(model.coef_),
        "intercept": arr(model.intercept_),
        "proba": arr(proba[:, 1] if labels == "binary" else proba),
        "decision": arr(model.decision_function(features[:n_check])),
        "nIter": int(np.max(model.n_iter_)),
    }
    if sk_options.get("solver") == "lbfgs":
        exact = LogisticRegression(**{**sk_options, "solver": "newton-cg", "tol": 1e-12, "max_iter": 100000})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exact.fit(features, target, sample_weight=sw)
        entry["optimum"] = {"coef": arr(exact.coef_), "intercept": arr(exact.intercept_)}
        gap = np.concatenate([model.coef_.ravel() - exact.coef_.ravel(), model.intercept_ - exact.intercept_])
        entry["lbfgsGap"] = float(np.abs(gap).max())
    cases.append(entry)


case("l2 lbfgs C=1", {"c": 1, "tol": 1e-10, "maxIter": 10000}, dict(C=1.0, solver="lbfgs", **TIGHT))
case("l2 lbfgs defaults", {}, dict(solver="lbfgs"))
case("l2 lbfgs raw-scale columns", {"c": 1, "tol": 1e-10, "maxIter": 10000}, dict(C=1.0, solver="lbfgs", **TIGHT), data="raw")
case("l2 lbfgs C=0.05 balanced weighted", {"c": 0.05, "classWeight": "balanced", "tol": 1e-10, "maxIter": 10000},
     dict(C=0.05, class_weight="balanced", solver="lbfgs", **TIGHT), weighted=True)
case("l2 lbfgs no intercept", {"c": 2, "fitIntercept": False, "tol": 1e-10, "maxIter": 10000},
     dict(C=2.0, fit_intercept=False, solver="lbfgs", **TIGHT))
case("no penalty lbfgs", {"penalty": "none", "tol": 1e-10, "maxIter": 10000}, dict(penalty="none", solver="lbfgs", **TIGHT))
case("l2 lbfgs class weight dict", {"c": 0.5, "classWeight": {"0": 1, "1": 3}, "tol": 1e-10, "maxIter": 10000},
     dict(C=0.5, class_weight={0: 1, 1: 3}, solver="lbfgs", **TIGHT))
case("l1 liblinear C=0.1", {"c": 0.1, "penalty": "l1", "solver": "liblinear", "tol": 1e-10, "maxIter": 10000},
     dict(C=0.1, penalty="l1", solver="liblinear", **TIGHT))
case("l1 liblinear C=1 weighted", {"c": 1, "penalty": "l1", "solver": "liblinear", "tol": 1e-10, "maxIter": 10000},
     dict(C=1.0, penalty="l1", solver="liblinear", **TIGHT), weighted=True, data="raw")
case("l1 liblinear interceptScaling=5", {"c": 0.2, "penalty": "l1", "solver": "liblinear", "interceptScaling": 5, "tol": 1e-10, "maxIter": 10000},
     dict(C=0.2, penalty="l1", solver="liblinear", intercept_scaling=5.0, **TIGHT))
case("l2 liblinear C=0.3", {"c": 0.3, "penalty": "l2", "solver": "liblinear", "tol": 1e-10, "maxIter": 10000},
     dict(C=0.3, penalty="l2", solver="liblinear", **TIGHT))
case("l1 saga C=0.1", {"c": 0.1, "penalty": "l1", "tol": 1e-10, "maxIter": 10000},
     dict(C=0.1, penalty="l1", solver="saga", tol=1e-12, max_iter=200000))
case("elasticnet saga C=0.2 ratio 0.5", {"c": 0.2, "penalty": "elasticnet", "l1Ratio": 0.5, "tol": 1e-10, "maxIter": 10000},
     dict(C=0.2, penalty="elasticnet", l1_ratio=0.5, solver="saga", tol=1e-12, max_iter=200000))
case("multinomial lbfgs C=1", {"c": 1, "tol": 1e-10, "maxIter": 10000}, dict(C=1.0, solver="lbfgs", **TIGHT), labels="multiclass")
case("multinomial lbfgs C=0.1 weighted", {"c": 0.1, "tol": 1e-10, "maxIter": 10000}, dict(C=0.1, solver="lbfgs", **TIGHT),
     labels="multiclass", weighted=True)

out = {
    "generator": "scripts/reference/logistic.py",
    "versions": {
        "python": platform.python_version(),
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
    },
    "nRows": n,
    "nCols": p,
    "nCheck": n_check,
    "x": arr(X.T),  # column-major, as Patron's Matrix
    "xStandardized": arr(Xs.T),
    "y": arr(y),
    "y3": arr(y3),
    "sampleWeight": arr(sample_weight),
    "cases": cases,
}
path = Path(__file__).resolve().parents[2] / "test" / "reference" / "logistic.json"
path.write_text(json.dumps(out, indent=1) + "\n")
print(f"wrote {path} ({path.stat().st_size} bytes, {len(cases)} cases)", file=sys.stderr)
