"""Reference trees for src/models/tree/cart.ts from scikit-learn's DecisionTreeClassifier/Regressor.

Run with Debian's interpreter: /usr/bin/python3 scripts/reference/cart.py
Writes test/reference/cart.json: data, options, every node of every fitted tree, test-set
predictions and feature importances, with library versions.

scikit-learn trees work in float32, so every feature value here is a float32 number stored as a
double: both implementations then see the same numbers. Features are continuous (no ties), so
no two candidate splits score the same and the trees are unique.
"""
import json
import platform
import sys
from pathlib import Path

import numpy as np
import sklearn
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

rng = np.random.default_rng(31)


def f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def lst(a):
    return [float(v) for v in np.asarray(a, dtype=float).ravel()]


def make_classification(n, n_features, n_classes):
    x = f32(rng.normal(0, 1, (n, n_features)) * rng.uniform(0.5, 3, n_features))
    logits = x[:, : n_classes] * 1.5 + 0.8 * np.sin(2 * x[:, 1:2]) + rng.normal(0, 1, (n, n_classes))
    if n_classes == 2:
        y = (logits[:, 0] - logits[:, 1] > 0).astype(float)
    else:
        y = logits.argmax(axis=1).astype(float)
    return x, y


def make_regression(n, n_features):
    x = f32(rng.normal(0, 1, (n, n_features)) * 2)
    y = 3 * x[:, 0] + 2 * np.sin(x[:, 1] * 2) + x[:, 2] * x[:, 3] + rng.normal(0, 0.5, n)
    return x, np.round(y, 3)


def proxy_candidates(xs, y, w, classes, regression, entropy, msl, mwl):
    """Weighted impurity decrease of every valid split of one feature in one node."""
    order = np.argsort(xs, kind="stable")
    xs, y, w = xs[order], y[order], w[order]
    n = len(xs)
    pos = np.arange(1, n)
    valid = xs[1:] > xs[:-1] + 1e-7
    valid &= (pos >= msl) & (n - pos >= msl)
    wl = np.cumsum(w)[:-1]
    wt = w.sum()
    wr = wt - wl
    valid &= (wl >= mwl) & (wr >= mwl)
    if regression:
        sl = np.cumsum(w * y)[:-1]
        st = (w * y).sum()
        gain = sl * sl / wl + (st - sl) ** 2 / wr - st * st / wt
    else:
        onehot = (y[:, None] == classes[None, :]) * w[:, None]
        cl = np.cumsum(onehot, axis=0)[:-1]
        ct = onehot.sum(axis=0)
        cr = ct[None, :] - cl

        def imp(c, tot):
            p = c / tot[:, None] if np.ndim(tot) else c / tot
            if entropy:
                with np.errstate(divide="ignore", invalid="ignore"):
                    return -np.nansum(np.where(p > 0, p * np.log2(p), 0), axis=-1)
            return 1 - (p**2).sum(-1)

        gain = wt * imp(ct, wt) - wr * imp(cr, wr) - wl * imp(cl, wl)
    return gain[valid]


def count_ties(est, x, y, w, options, regression):
    """Internal nodes where another split scores within 1e-9 (relative) of the chosen one, or
    pure nodes that were split anyway: there the tree is not unique."""
    t = est.tree_
    w = np.ones(len(y)) if w is None else w
    cw = est.class_weight if not regression else None
    if cw == "balanced":
        from sklearn.utils.class_weight import compute_sample_weight
        w = w * compute_sample_weight("balanced", y)
    n = len(y)
    msl = options.get("min_samples_leaf", 1)
    msl = int(np.ceil(msl * n)) if isinstance(msl, float) else msl
    mwl = options.get("min_weight_fraction_leaf", 0) * w.sum()
    classes = None if regression else np.unique(y)
    paths = est.decision_path(x.astype(np.float32)).tocsc()
    ties = 0
    for node in range(t.node_count):
        if t.children_left[node] == -1:
            continue
        rows = paths[:, node].nonzero()[0]
        rows = rows[w[rows] > 0]
        if len(np.unique(y[rows])) == 1:
            # A pure node split only because its impurity rounded to 4e-16 > EPSILON:
            # Patron keeps it a leaf (the impurity is 0), so such a fixture cannot match.
            ties += 1
            continue
        entropy = options.get("criterion") == "entropy"
        gains = np.concatenate([
            proxy_candidates(x[rows, j], y[rows], w[rows], classes, regression, entropy, msl, mwl)
            for j in range(x.shape[1])
        ])
        best = gains.max()
        if (np.abs(gains - best) <= 1e-9 * abs(best)).sum() > 1:
            ties += 1
    return ties


def tree_record(est):
    t = est.tree_
    value = t.value[:, 0, :]
    if value.shape[1] > 1:
        value = value / value.sum(axis=1, keepdims=True)
    return {
        "feature": [int(v) for v in t.feature],
        "threshold": lst(t.threshold),
        "left": [int(v) for v in t.children_left],
        "right": [int(v) for v in t.children_right],
        "nodeSamples": [int(v) for v in t.n_node_samples],
        "cover": lst(t.weighted_n_node_samples),
        "impurity": lst(t.impurity),
        "value": lst(value),
    }


# Options chosen so that no node has two equally good splits (checked below: the script fails
# otherwise). Fully grown trees always tie in their smallest nodes, where several features
# isolate the same rows; scikit-learn then picks by its random feature order.
CLASSIFIER_CASES = [
    {"max_depth": 3},
    {"criterion": "entropy", "min_samples_leaf": 12},
    {"min_samples_split": 40, "min_samples_leaf": 6},
    {"min_impurity_decrease": 0.01, "min_samples_leaf": 5},
    {"class_weight": "balanced", "max_depth": 4},
]
WEIGHTED_CASES = [
    {"min_samples_leaf": 15},
    {"min_samples_split": 40, "min_samples_leaf": 6},
    {"min_weight_fraction_leaf": 0.05, "criterion": "entropy"},
    {"class_weight": "balanced", "max_depth": 4},
]
MULTICLASS_CASES = [{"max_depth": 4}, {"criterion": "entropy", "max_depth": 3}]
REGRESSOR_CASES = [
    {"min_samples_leaf": 10},
    {"max_depth": 6, "min_samples_leaf": 6},
    {"min_impurity_decrease": 0.05, "min_samples_leaf": 8},
]


def camel(options):
    out = {}
    for key, value in options.items():
        parts = key.split("_")
        out[parts[0] + "".join(p.title() for p in parts[1:])] = value
    return out


def dataset(name, x, y, x_test, make, cases, weighted=False):
    w = np.round(rng.uniform(0.5, 2.0, len(y)), 2) if weighted else None
    fits = []
    for options in cases:
        est = make(random_state=0, **options).fit(x, y, sample_weight=w)
        ties = count_ties(est, x, y, w, options, make is DecisionTreeRegressor)
        if ties:
            sys.exit(f"{name} {options}: {ties} nodes with tied best splits; choose other options")
        pred = est.predict_proba(x_test) if hasattr(est, "predict_proba") else est.predict(x_test)
        fits.append({
            "options": camel(options),
            "tree": tree_record(est),
            "predictTest": lst(pred),
            "importances": lst(est.feature_importances_),
        })
    return {
        "name": name,
        "nFeatures": x.shape[1],
        "x": lst(x.T),  # column-major, as Matrix
        "y": lst(y),
        "weight": None if w is None else lst(w),
        "xTest": lst(x_test.T),
        "nTest": len(x_test),
        "fits": fits,
    }


def main():
    xb, yb = make_classification(500, 6, 2)
    xm, ym = make_classification(450, 5, 3)
    xr, yr = make_regression(400, 5)
    fixture = {
        "generator": "scripts/reference/cart.py",
        "versions": {"python": platform.python_version(), "numpy": np.__version__, "sklearn": sklearn.__version__},
        "datasets": [
            dataset("binary", xb[:350], yb[:350], xb[350:], DecisionTreeClassifier, CLASSIFIER_CASES),
            dataset("binary-weighted", xb[:350], yb[:350], xb[350:], DecisionTreeClassifier, WEIGHTED_CASES, weighted=True),
            dataset("multiclass", xm[:300], ym[:300], xm[300:], DecisionTreeClassifier, MULTICLASS_CASES),
            dataset("regression", xr[:300], yr[:300], xr[300:], DecisionTreeRegressor, REGRESSOR_CASES),
            dataset("regression-weighted", xr[:300], yr[:300], xr[300:], DecisionTreeRegressor, REGRESSOR_CASES[:2], weighted=True),
        ],
    }
    out = Path(__file__).resolve().parents[2] / "test" / "reference" / "cart.json"
    out.write_text(json.dumps(fixture))
    print(f"wrote {out} ({out.stat().st_size} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
