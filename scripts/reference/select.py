"""Reference results for src/models/select/*.ts from scikit-learn's model selection.

Run with Debian's interpreter after cart.py (it reuses cart.json's data and tie check):
    /usr/bin/python3 scripts/reference/select.py
Writes test/reference/select.json: StratifiedKFold / KFold fold assignments, and GridSearchCV /
cross_validate results on CART, whose trees equal Patron's when no split ties (checked for
every fit; the script fails otherwise).
"""
import json
import platform
import sys
from pathlib import Path

import numpy as np
import sklearn
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold, cross_validate
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cart import count_ties  # noqa: E402

root = Path(__file__).resolve().parents[2]
cart = json.loads((root / "test" / "reference" / "cart.json").read_text())
rng = np.random.default_rng(11)


def lst(a):
    return [float(v) for v in np.asarray(a, dtype=float).ravel()]


def test_folds(splitter, y):
    folds = np.empty(len(y), dtype=int)
    for f, (_, test) in enumerate(splitter.split(np.zeros((len(y), 1)), y)):
        folds[test] = f
    return [int(v) for v in folds]


def data(name):
    d = next(d for d in cart["datasets"] if d["name"] == name)
    return np.asarray(d["x"]).reshape(d["nFeatures"], -1).T, np.asarray(d["y"])


def check_tie_free(make, grid, x, y, cv, regression):
    for options in [dict(zip(grid, v)) for v in __import__("itertools").product(*grid.values())]:
        for train, _ in cv.split(x, y):
            est = make(random_state=0, **options).fit(x[train], y[train])
            if count_ties(est, x[train], y[train], None, options, regression):
                sys.exit(f"{make.__name__} {options}: a fold's tree has tied splits; change the grid")


y_binary = (rng.random(97) < 0.3).astype(float)
y_multi = rng.choice([2.0, 0.0, 1.0], size=61, p=[0.5, 0.3, 0.2])
folds = {
    "stratifiedBinary": {"y": lst(y_binary), "nSplits": 5, "testFold": test_folds(StratifiedKFold(5), y_binary)},
    "stratifiedMulticlass": {"y": lst(y_multi), "nSplits": 4, "testFold": test_folds(StratifiedKFold(4), y_multi)},
    "kFold": {"nRows": 23, "nSplits": 5, "testFold": test_folds(KFold(5), np.zeros(23))},
}

xb, yb = data("binary")
grid = {"max_depth": [2, 3], "min_samples_leaf": [5, 10, 40]}
check_tie_free(DecisionTreeClassifier, grid, xb, yb, StratifiedKFold(5), False)
scoring = ["roc_auc", "neg_log_loss", "accuracy"]
gs = GridSearchCV(DecisionTreeClassifier(random_state=0), grid, cv=5, scoring=scoring, refit="roc_auc").fit(xb, yb)
res = gs.cv_results_
grid_result = {
    "grid": {"maxDepth": grid["max_depth"], "minSamplesLeaf": grid["min_samples_leaf"]},
    "scoring": scoring,
    "params": [{"maxDepth": p["max_depth"], "minSamplesLeaf": p["min_samples_leaf"]} for p in res["params"]],
    "mean": {s: lst(res[f"mean_test_{s}"]) for s in scoring},
    "std": {s: lst(res[f"std_test_{s}"]) for s in scoring},
    "rank": {s: [int(v) for v in res[f"rank_test_{s}"]] for s in scoring},
    "split": {s: [lst(res[f"split{k}_test_{s}"]) for k in range(5)] for s in scoring},
    "bestIndex": int(gs.best_index_),
}

xr, yr = data("regression")
check_tie_free(DecisionTreeRegressor, {"max_depth": [3], "min_samples_leaf": [10]}, xr, yr, KFold(5), True)
cv = cross_validate(DecisionTreeRegressor(max_depth=3, min_samples_leaf=10, random_state=0), xr, yr, cv=5, scoring=["r2", "neg_mean_absolute_error", "neg_root_mean_squared_error"])
cv_result = {s: lst(cv[f"test_{s}"]) for s in ["r2", "neg_mean_absolute_error", "neg_root_mean_squared_error"]}

fixture = {
    "generator": "scripts/reference/select.py",
    "versions": {"python": platform.python_version(), "numpy": np.__version__, "sklearn": sklearn.__version__},
    "folds": folds,
    "gridSearch": grid_result,
    "crossValidateRegression": cv_result,
}
out = root / "test" / "reference" / "select.json"
out.write_text(json.dumps(fixture))
print(f"wrote {out} ({out.stat().st_size} bytes)", file=sys.stderr)
