"""The XGBoost side of `npm run bench -- shap` (bench/shap.bench.ts), run in the same bench run.

Trains 100 trees of depth 6 on seeded synthetic data (10,000 rows × 30 features, 5 % NaN),
saves the model as JSON for Patron to import, so both explain the very same trees, then times
XGBoost's pred_contribs (nthread=2) one run at a time on request, so the bench can alternate
XGBoost and Patron runs and both see the same load on a shared machine.

Usage: /usr/bin/python3 scripts/reference/shap_bench.py OUT_DIR [N_ROWS]
Writes OUT_DIR/model.json, x.f64 (row-major float64), contribs.f32 (row-major float32,
rows × (features + 1)), then prints one JSON line {"ready": …, versions}. Each "run" line on
stdin is answered with {"seconds": …}; "quit" ends.
"""
import json
import os
import platform
import sys
import time

import numpy as np
import xgboost as xgb


def main():
    out_dir = sys.argv[1]
    n_rows = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    n_features = 30
    rng = np.random.RandomState(42)
    x = rng.randn(n_rows, n_features)
    logit = x[:, 0] - 0.8 * x[:, 1] * x[:, 2] + np.sin(2 * x[:, 3]) + 0.5 * x[:, 4:10].sum(axis=1) / 3
    y = (rng.rand(n_rows) < 1 / (1 + np.exp(-logit))).astype(float)
    x[rng.rand(n_rows, n_features) < 0.05] = np.nan
    params = {"objective": "binary:logistic", "max_depth": 6, "eta": 0.1, "tree_method": "hist",
              "min_child_weight": 0, "seed": 1, "nthread": 2}
    booster = xgb.train(params, xgb.DMatrix(x, label=y), num_boost_round=100)
    booster.save_model(os.path.join(out_dir, "model.json"))
    x.astype("<f8").tofile(os.path.join(out_dir, "x.f64"))

    dmatrix = xgb.DMatrix(x, nthread=2)
    booster.set_param({"nthread": 2})
    contribs = booster.predict(dmatrix, pred_contribs=True)  # also the warm-up
    contribs.astype("<f4").tofile(os.path.join(out_dir, "contribs.f32"))
    print(json.dumps({
        "ready": True, "n_rows": n_rows, "n_features": n_features, "n_trees": 100, "max_depth": 6,
        "xgboost": xgb.__version__, "numpy": np.__version__, "python": platform.python_version(),
    }), flush=True)
    for line in sys.stdin:
        if line.strip() != "run":
            break
        start = time.perf_counter()
        booster.predict(dmatrix, pred_contribs=True)
        print(json.dumps({"seconds": time.perf_counter() - start}), flush=True)


if __name__ == "__main__":
    main()
