"""Reference fixtures for linear SHAP, permutation importance and the logistic SQL export
(test/explain/linear-shap.test.ts, permutation.test.ts, sql-export.test.ts).

A scikit-learn LogisticRegression on data/hillstrom (target visit, the encoding of
xgboost_import.hillstrom_matrix: 5 numeric columns, then one-hot zip_code, channel, segment):
its coef_, intercept_, decision_function and predict_proba on fixture rows, and the
background means. Then permutation_importance(scoring="roc_auc") on 3,000 rows, with the exact
shuffling indices scikit-learn drew (replayed from its seed), so Patron can reproduce the
same permutations and must then give the same importances.

Run with Debian's interpreter: /usr/bin/python3 scripts/reference/shap_linear.py
Writes test/reference/shap-linear.json.gz.
"""
import gzip
import json
import os
import sys

import numpy as np
import sklearn
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from xgboost_import import ROOT, hillstrom_matrix  # noqa: E402

N_ROWS = 200
N_PERMUTATION_ROWS = 3000
N_REPEATS = 3
RANDOM_STATE = 0


def main():
    frame, y = hillstrom_matrix()
    names = list(frame.columns)
    x = frame.to_numpy()
    model = LogisticRegression(max_iter=5000).fit(x, y)
    pick = np.random.RandomState(11).choice(len(x), N_ROWS, replace=False)

    # permutation importance on a row subset, and the shuffles scikit-learn used: it draws one
    # seed from random_state, then every column replays RandomState(seed).shuffle cumulatively
    sub = np.random.RandomState(12).choice(len(x), N_PERMUTATION_ROWS, replace=False)
    result = permutation_importance(model, x[sub], y[sub], scoring="roc_auc", n_repeats=N_REPEATS,
                                    random_state=RANDOM_STATE)
    seed = np.random.RandomState(RANDOM_STATE).randint(np.iinfo(np.int32).max + 1)
    replay = np.random.RandomState(seed)
    index = np.arange(N_PERMUTATION_ROWS)
    shuffles = []
    for _ in range(N_REPEATS):
        replay.shuffle(index)
        shuffles.append(index.tolist())

    out = {
        "generator": "scripts/reference/shap_linear.py",
        "versions": {"sklearn": sklearn.__version__, "numpy": np.__version__, "python": sys.version.split()[0]},
        "featureNames": names,
        "coef": model.coef_[0].tolist(),
        "intercept": float(model.intercept_[0]),
        "backgroundMean": x.mean(axis=0).tolist(),
        "rows": pick.tolist(),
        "x": x[pick].ravel().tolist(),
        "decisionFunction": model.decision_function(x[pick]).tolist(),
        "proba": model.predict_proba(x[pick])[:, 1].tolist(),
        "permutation": {
            "rows": sub.tolist(),
            "x": x[sub].ravel().tolist(),
            "y": y[sub].tolist(),
            "scoring": "roc_auc",
            "nRepeats": N_REPEATS,
            "shufflingIndex": shuffles,
            "baseline": float(roc_auc_score(y[sub], model.decision_function(x[sub]))),
            "importances": result.importances.tolist(),
            "importancesMean": result.importances_mean.tolist(),
            "importancesStd": result.importances_std.tolist(),
        },
    }
    target = os.path.join(ROOT, "test", "reference", "shap-linear.json.gz")
    with gzip.open(target, "wt") as f:
        json.dump(out, f, separators=(",", ":"))
    print(f"wrote {target} ({os.path.getsize(target)} bytes)")


if __name__ == "__main__":
    main()
