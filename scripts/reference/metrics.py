"""Reference values for src/metrics/*.ts from scikit-learn.

Run with Debian's interpreter: /usr/bin/python3 scripts/reference/metrics.py
Writes test/reference/metrics.json (inputs, outputs and library versions). Scores are rounded
so that many rows tie: ties are where ROC/PR implementations usually differ.
"""
import json
import platform
import sys
from pathlib import Path

import numpy as np
import sklearn
from sklearn import metrics as M
from sklearn.calibration import calibration_curve

rng = np.random.default_rng(20240603)


def arr(a):
    return [float(v) for v in np.asarray(a, dtype=float).ravel()]


def binary_case(name, n, decimals, weighted):
    y = (rng.random(n) < 0.35).astype(float)
    raw = 1 / (1 + np.exp(-(1.2 * (2 * y - 1) + rng.normal(0, 1.5, n))))
    score = np.round(raw, decimals)
    w = np.round(rng.uniform(0, 3, n), 2) if weighted else None
    if weighted:
        w[rng.random(n) < 0.05] = 0.0
    kw = {} if w is None else {"sample_weight": w}
    fpr, tpr, thr = M.roc_curve(y, score, **kw)
    fpr_all, tpr_all, thr_all = M.roc_curve(y, score, drop_intermediate=False, **kw)
    prec, rec, pthr = M.precision_recall_curve(y, score, **kw)
    pred = (score >= 0.5).astype(float)
    case = {
        "name": name,
        "y": arr(y),
        "score": arr(score),
        "weight": None if w is None else arr(w),
        "roc": {"fpr": arr(fpr), "tpr": arr(tpr), "thresholds": arr(thr)},
        "rocAll": {"fpr": arr(fpr_all), "tpr": arr(tpr_all), "thresholds": arr(thr_all)},
        "rocAuc": float(M.roc_auc_score(y, score, **kw)),
        "rocAucMaxFpr03": float(M.roc_auc_score(y, score, max_fpr=0.3, **kw)),
        "pr": {"precision": arr(prec), "recall": arr(rec), "thresholds": arr(pthr)},
        "averagePrecision": float(M.average_precision_score(y, score, **kw)),
        "logLoss": float(M.log_loss(y, score, **kw)),
        "brier": float(M.brier_score_loss(y, score, **kw)),
        "pred": arr(pred),
        "accuracy": float(M.accuracy_score(y, pred, **kw)),
        "balancedAccuracy": float(M.balanced_accuracy_score(y, pred, **kw)),
        "balancedAccuracyAdjusted": float(M.balanced_accuracy_score(y, pred, adjusted=True, **kw)),
        "precision": float(M.precision_score(y, pred, **kw)),
        "recall": float(M.recall_score(y, pred, **kw)),
        "f1": float(M.f1_score(y, pred, **kw)),
        "f2": float(M.fbeta_score(y, pred, beta=2, **kw)),
        "confusion": arr(M.confusion_matrix(y, pred, **kw)),
        "confusionTrue": arr(M.confusion_matrix(y, pred, normalize="true", **kw)),
    }
    if w is None:
        cal = {}
        for strategy in ("uniform", "quantile"):
            for n_bins in (5, 7, 10):
                pt, pp = calibration_curve(y, score, n_bins=n_bins, strategy=strategy)
                cal[f"{strategy}{n_bins}"] = {"probTrue": arr(pt), "probPred": arr(pp)}
        case["calibration"] = cal
    return case


def multiclass_case(n, k, weighted):
    y = rng.integers(0, k, n)
    # Probabilities drawn from a small set of rows so that scores tie.
    table = rng.dirichlet(np.ones(k) * 0.8, 25)
    pick = rng.integers(0, 25, n)
    # Make the true class more likely so the AUC is not ~0.5.
    proba = table[pick] + 0.6 * np.eye(k)[y] * (rng.random(n) < 0.5)[:, None]
    proba = np.round(proba / proba.sum(axis=1, keepdims=True), 3)
    proba[:, -1] = 1 - proba[:, :-1].sum(axis=1)
    w = np.round(rng.uniform(0.1, 2, n), 2) if weighted else None
    kw = {} if w is None else {"sample_weight": w}
    pred = proba.argmax(axis=1)
    out = {
        "name": f"multiclass{k}{'-weighted' if weighted else ''}",
        "nClasses": k,
        "y": arr(y),
        "proba": arr(proba),
        "weight": None if w is None else arr(w),
        "pred": arr(pred),
        "ovrMacro": float(M.roc_auc_score(y, proba, multi_class="ovr", average="macro", **kw)),
        "ovrWeighted": float(M.roc_auc_score(y, proba, multi_class="ovr", average="weighted", **kw)),
        "ovrMicro": float(M.roc_auc_score(y, proba, multi_class="ovr", average="micro", **kw)),
        "logLoss": float(M.log_loss(y, proba, **kw)),
        "accuracy": float(M.accuracy_score(y, pred, **kw)),
        "balancedAccuracy": float(M.balanced_accuracy_score(y, pred, **kw)),
        "confusion": arr(M.confusion_matrix(y, pred, **kw)),
        "confusionPred": arr(M.confusion_matrix(y, pred, normalize="pred", **kw)),
        "confusionAll": arr(M.confusion_matrix(y, pred, normalize="all", **kw)),
    }
    if w is None:
        out["ovoMacro"] = float(M.roc_auc_score(y, proba, multi_class="ovo", average="macro"))
        out["ovoWeighted"] = float(M.roc_auc_score(y, proba, multi_class="ovo", average="weighted"))
    for avg in ("macro", "micro", "weighted"):
        p, r, f, _ = M.precision_recall_fscore_support(y, pred, average=avg, **kw)
        out[f"prf_{avg}"] = [float(p), float(r), float(f)]
    p, r, f, s = M.precision_recall_fscore_support(y, pred, average=None, **kw)
    out["prf_none"] = {"precision": arr(p), "recall": arr(r), "f": arr(f), "support": arr(s)}
    return out


def regression_case(name, n, weighted, constant=False):
    y = np.round(rng.normal(50, 20, n), 1) if not constant else np.full(n, 3.5)
    pred = np.round(y + rng.normal(0, 8, n), 2)
    w = np.round(rng.uniform(0, 2, n), 2) if weighted else None
    kw = {} if w is None else {"sample_weight": w}
    return {
        "name": name,
        "y": arr(y),
        "pred": arr(pred),
        "weight": None if w is None else arr(w),
        "mae": float(M.mean_absolute_error(y, pred, **kw)),
        "mse": float(M.mean_squared_error(y, pred, **kw)),
        "rmse": float(M.mean_squared_error(y, pred, squared=False, **kw)),
        "r2": float(M.r2_score(y, pred, **kw)),
        "r2Perfect": float(M.r2_score(y, y, **kw)),
    }


fixture = {
    "generator": "scripts/reference/metrics.py",
    "versions": {"python": platform.python_version(), "numpy": np.__version__, "sklearn": sklearn.__version__},
    "binary": [
        binary_case("ties-2-decimals", 400, 2, False),
        binary_case("ties-1-decimal", 300, 1, False),
        binary_case("ties-2-decimals-weighted", 400, 2, True),
        binary_case("few-values-weighted", 120, 1, True),
        binary_case("no-ties", 150, 12, False),
    ],
    "multiclass": [multiclass_case(300, 3, False), multiclass_case(300, 4, True)],
    "regression": [
        regression_case("plain", 200, False),
        regression_case("weighted", 200, True),
        regression_case("constant-y", 20, False, constant=True),
    ],
}
out = Path(__file__).resolve().parents[2] / "test" / "reference" / "metrics.json"
out.write_text(json.dumps(fixture))
print(f"wrote {out} ({out.stat().st_size} bytes)", file=sys.stderr)
