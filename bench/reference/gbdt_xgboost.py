"""XGBoost side of bench/gbdt.bench.ts: trains tree_method="hist" on the very data Patron trains on.

Run by the benchmark with Debian's /usr/bin/python3 (XGBoost 1.7.4):
    gbdt_xgboost.py PREFIX N_TRAIN N_TEST N_FEATURES REPEATS
PREFIX.train.f32 / PREFIX.test.f32 hold float32 features column by column (Patron's column-major
layout), PREFIX.train.y / PREFIX.test.y one uint8 label per row. Prints one JSON line: fit and
predict seconds per repeat (and fit CPU seconds, all threads), the holdout ROC-AUC and the
library versions. DMatrix construction
(a copy into XGBoost's own format, like building Patron's Matrix) is not timed; XGBoost's
quantile sketch and binning happen inside train() and are timed, as Patron's are inside fit().
"""
import json
import platform
import resource
import sys
import time

import numpy as np
import sklearn
import xgboost as xgb
from sklearn.metrics import roc_auc_score

prefix, n_train, n_test, n_features, repeats = sys.argv[1], *map(int, sys.argv[2:6])


def load(part, n):
    x = np.fromfile(f"{prefix}.{part}.f32", dtype=np.float32).reshape(n_features, n).T
    y = np.fromfile(f"{prefix}.{part}.y", dtype=np.uint8).astype(np.float32)
    return np.ascontiguousarray(x), y


x_train, y_train = load("train", n_train)
x_test, y_test = load("test", n_test)
params = {
    "objective": "binary:logistic", "tree_method": "hist", "max_depth": 6, "eta": 0.1, "max_bin": 256,
    "nthread": 2, "min_child_weight": 1, "lambda": 1,
}
fit_s, predict_s, fit_cpu_s = [], [], []


def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


auc = None
for _ in range(repeats):
    d_train = xgb.DMatrix(x_train, label=y_train, nthread=2)
    d_test = xgb.DMatrix(x_test, nthread=2)
    start, start_cpu = time.perf_counter(), cpu()
    booster = xgb.train(params, d_train, 100)
    fit_s.append(time.perf_counter() - start)
    fit_cpu_s.append(cpu() - start_cpu)
    start = time.perf_counter()
    p = booster.predict(d_test)
    predict_s.append(time.perf_counter() - start)
    auc = float(roc_auc_score(y_test, p))
print(json.dumps({
    "fit_s": fit_s, "fit_cpu_s": fit_cpu_s, "predict_s": predict_s, "auc": auc,
    "versions": {"xgboost": xgb.__version__, "sklearn": sklearn.__version__, "numpy": np.__version__, "python": platform.python_version()},
}))
