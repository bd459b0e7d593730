"""Reference trees for src/models/tree/gbdt.ts from XGBoost 1.7's tree_method="hist".

Run with Debian's interpreter: /usr/bin/python3 scripts/reference/gbdt_trees.py
Writes test/reference/gbdt_trees.json: for each case the data, the parameters, every node of
every tree XGBoost grew (split feature, threshold, children, default direction, leaf value,
cover, gain) and XGBoost's predictions, with library versions.

The cases are built so that XGBoost's trees are unambiguous and its binning is exact:
- every feature value is a multiple of 1/8 (exact in float32 and float64), with at most a few
  dozen distinct values per feature, and fewer than 4,000 rows, so XGBoost's quantile sketch
  keeps every distinct value and the bins are the same as ours;
- labels come from a noisy rule, so split gains are far apart.
"""
import json
import platform
import sys
from pathlib import Path

import numpy as np
import xgboost as xgb

rng = np.random.default_rng(20240603)


def grid(n, n_features, levels=24, missing=0.0):
    x = rng.integers(0, levels, size=(n, n_features)) / 8.0 - 1.0
    if missing > 0:
        mask = rng.random((n, n_features)) < missing
        x[mask] = np.nan
    return x


def lst(a):
    return [None if (isinstance(v, float) and np.isnan(v)) else float(v) for v in np.asarray(a, dtype=float).ravel()]


def flatten(tree_json, n_features):
    """XGBoost's nested JSON dump → flat arrays indexed by node id."""
    nodes = {}

    def walk(node):
        nodes[node["nodeid"]] = node
        for child in node.get("children", []):
            walk(child)

    walk(tree_json)
    n = max(nodes) + 1
    out = {k: [] for k in ["feature", "threshold", "left", "right", "missingLeft", "value", "cover", "gain"]}
    for i in range(n):
        node = nodes[i]
        if "leaf" in node:
            out["feature"].append(-1)
            out["threshold"].append(0.0)
            out["left"].append(-1)
            out["right"].append(-1)
            out["missingLeft"].append(0)
            out["value"].append(float(node["leaf"]))
            out["gain"].append(0.0)
        else:
            out["feature"].append(int(node["split"][1:]))
            out["threshold"].append(float(node["split_condition"]))
            out["left"].append(node["yes"])
            out["right"].append(node["no"])
            out["missingLeft"].append(1 if node["missing"] == node["yes"] else 0)
            out["value"].append(None)  # XGBoost's dump has no value for split nodes
            out["gain"].append(float(node["gain"]))
        out["cover"].append(float(node["cover"]))
    return out


def case(name, x, y, params, rounds, patron, weights=None, notes=""):
    d = xgb.DMatrix(x, label=y, weight=weights, missing=np.nan, feature_names=[f"f{j}" for j in range(x.shape[1])])
    full = {"tree_method": "hist", "max_bin": 256, "nthread": 1, **params}
    booster = xgb.train(full, d, rounds)
    dumps = booster.get_dump(dump_format="json", with_stats=True)
    trees = [flatten(json.loads(t), x.shape[1]) for t in dumps]
    margin = booster.predict(d, output_margin=True)
    return {
        "name": name,
        "notes": notes,
        "nRows": int(x.shape[0]),
        "nFeatures": int(x.shape[1]),
        # column-major, NaN as null
        "x": lst(x.T),
        "y": lst(y),
        "weights": lst(weights) if weights is not None else None,
        "xgboostParams": full,
        "rounds": rounds,
        "patronOptions": patron,
        "trees": trees,
        "margin": lst(margin),
    }


cases = []

# 1. Binary logistic, depthwise, defaults otherwise.
x = grid(600, 4)
y = ((x[:, 0] + 0.6 * x[:, 1] - 0.4 * (x[:, 2] > 0.5) + rng.normal(0, 0.5, 600)) > 0).astype(float)
cases.append(case("binary-depthwise", x, y, {"objective": "binary:logistic", "max_depth": 3, "eta": 0.3}, 4,
                  {"objective": "binary:logistic", "maxDepth": 3, "learningRate": 0.3, "nEstimators": 4}))

# 2. Missing values: the learned default direction.
x = grid(800, 3, missing=0.15)
x0 = np.nan_to_num(x[:, 0], nan=1.5)  # missing behaves like a high value → learned default right/left varies
y = ((x0 - 0.5 * np.nan_to_num(x[:, 1], nan=-1.0) + rng.normal(0, 0.4, 800)) > 0.2).astype(float)
cases.append(case("binary-missing", x, y, {"objective": "binary:logistic", "max_depth": 3, "eta": 0.3}, 3,
                  {"objective": "binary:logistic", "maxDepth": 3, "learningRate": 0.3, "nEstimators": 3},
                  notes="15% NaN per feature; NaN in x0 acts like 1.5 and in x1 like -1"))

# 3. Regularisation: lambda, alpha, gamma, min_child_weight, max_delta_step.
x = grid(700, 4)
y = ((np.sin(2 * x[:, 0]) + x[:, 1] * x[:, 2] + rng.normal(0, 0.5, 700)) > 0).astype(float)
cases.append(case("binary-regularised", x, y,
                  {"objective": "binary:logistic", "max_depth": 4, "eta": 0.5, "lambda": 3.0, "alpha": 0.7,
                   "gamma": 0.4, "min_child_weight": 4.0, "max_delta_step": 0.8}, 3,
                  {"objective": "binary:logistic", "maxDepth": 4, "learningRate": 0.5, "nEstimators": 3, "lambda": 3,
                   "alpha": 0.7, "gamma": 0.4, "minChildWeight": 4, "maxDeltaStep": 0.8}))

# 4. Lossguide with a leaf budget.
x = grid(900, 4)
y = ((x[:, 0] * x[:, 1] + 0.5 * x[:, 3] + rng.normal(0, 0.3, 900)) > 0).astype(float)
cases.append(case("binary-lossguide", x, y,
                  {"objective": "binary:logistic", "grow_policy": "lossguide", "max_leaves": 7, "max_depth": 0, "eta": 0.3}, 3,
                  {"objective": "binary:logistic", "maxLeaves": 7, "maxDepth": 0, "learningRate": 0.3, "nEstimators": 3}))

# 5. Squared error with weights and an explicit base score.
x = grid(500, 3)
y = np.round(2 * x[:, 0] - x[:, 1] ** 2 + rng.normal(0, 0.3, 500), 3)
w = rng.integers(1, 4, 500).astype(float)
cases.append(case("regression-weighted", x, y,
                  {"objective": "reg:squarederror", "max_depth": 3, "eta": 0.3, "base_score": 0.25}, 3,
                  {"objective": "reg:squarederror", "maxDepth": 3, "learningRate": 0.3, "nEstimators": 3, "baseScore": 0.25},
                  weights=w))

# 6. Multiclass softmax (softprob), 3 classes, scale_pos_weight irrelevant here.
x = grid(900, 3)
logits = np.stack([x[:, 0], x[:, 1], -x[:, 0] - x[:, 1]], axis=1) + rng.normal(0, 0.4, (900, 3))
y = logits.argmax(axis=1).astype(float)
cases.append(case("multiclass", x, y, {"objective": "multi:softprob", "num_class": 3, "max_depth": 2, "eta": 0.3}, 2,
                  {"objective": "multi:softmax", "maxDepth": 2, "learningRate": 0.3, "nEstimators": 2}))

# 7. Binary with scale_pos_weight on an imbalanced target.
x = grid(800, 3)
y = ((x[:, 0] + x[:, 1] + rng.normal(0, 0.5, 800)) > 1.2).astype(float)
cases.append(case("binary-scale-pos-weight", x, y,
                  {"objective": "binary:logistic", "max_depth": 3, "eta": 0.3, "scale_pos_weight": 3.0}, 3,
                  {"objective": "binary:logistic", "maxDepth": 3, "learningRate": 0.3, "nEstimators": 3, "scalePosWeight": 3}))

out = {
    "generator": "scripts/reference/gbdt_trees.py",
    "versions": {"xgboost": xgb.__version__, "numpy": np.__version__, "python": platform.python_version()},
    "cases": cases,
}
path = Path(__file__).resolve().parents[2] / "test" / "reference" / "gbdt_trees.json"
path.write_text(json.dumps(out, separators=(",", ":")) + "\n")
print(f"wrote {path} ({path.stat().st_size} bytes)", file=sys.stderr)
