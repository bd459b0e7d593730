"""Reference decision values for src/models/svm/*.ts from scikit-learn's SVC (libsvm).

Run with Debian's interpreter: /usr/bin/python3 scripts/reference/svc.py
Writes test/reference/svc.json: a seeded binary training set with overlapping classes (so the
solution has free and bounded support vectors), query rows, and for several kernels and
options scikit-learn's support indices, dual_coef_, intercept_ and decision_function on the
queries. Default tol (1e-3) as users run it, plus tight-tol cases.

Probabilities: libsvm's Platt scaling draws its 5 folds from its own random generator, so
Patron (seeded from its own Rng) cannot reproduce the folds; the fixture records
predict_proba (random_state=0) and probA_/probB_ for a statistical comparison, and separately
the exact Platt fit (A, B minimising the same objective, by SciPy at a tight tolerance) on
given decision values, which Patron's sigmoid fit must reproduce.
"""
import json
import platform
import sys
from pathlib import Path

import numpy as np
import scipy
import sklearn
from scipy import optimize
from scipy.special import expit, xlogy
from sklearn.svm import SVC

rng = np.random.default_rng(20240614)
n, n_query, p = 240, 60, 5


def features(m):
    z = rng.normal(size=(m, p))
    z[:, 1] = 0.5 * z[:, 0] + 0.8 * z[:, 1]
    return np.round(z, 4)


X = features(n)
Q = features(n_query)
margin = X[:, 0] - 0.7 * X[:, 1] + 0.5 * X[:, 2] ** 2 - 0.5 + rng.normal(0, 0.7, n)
y = (margin > 0).astype(float)
sample_weight = np.round(rng.uniform(0.3, 2.0, n), 2)
sample_weight[:5] = 0.0  # zero-weight rows are dropped by libsvm


def arr(a):
    return [float(v) for v in np.asarray(a, dtype=float).ravel()]


cases = []


def case(name, patron, sk, weighted=False):
    model = SVC(**sk).fit(X, y, sample_weight=sample_weight if weighted else None)
    cases.append({
        "name": name,
        "patron": patron,
        "weighted": weighted,
        "supportIndex": [int(v) for v in model.support_],
        "dualCoef": arr(model.dual_coef_),
        "intercept": float(model.intercept_[0]),
        "gamma": float(model._gamma),
        "decision": arr(model.decision_function(Q)),
        "nIter": int(model.n_iter_[0]),
        "coef": arr(model.coef_) if sk.get("kernel") == "linear" else None,
    })


case("linear C=1", {"kernel": "linear", "probability": False}, dict(kernel="linear", C=1.0))
case("linear C=0.05 tight", {"kernel": "linear", "c": 0.05, "tol": 1e-8, "probability": False}, dict(kernel="linear", C=0.05, tol=1e-8))
case("rbf C=1 gamma scale", {"probability": False}, dict(kernel="rbf", C=1.0))
case("rbf C=10 gamma 0.5", {"c": 10, "gamma": 0.5, "probability": False}, dict(kernel="rbf", C=10.0, gamma=0.5))
case("rbf C=3 tight", {"c": 3, "tol": 1e-8, "probability": False}, dict(kernel="rbf", C=3.0, tol=1e-8))
case("rbf balanced weighted", {"c": 2, "classWeight": "balanced", "probability": False},
     dict(kernel="rbf", C=2.0, class_weight="balanced"), weighted=True)
case("poly degree 3 gamma auto coef0 1", {"kernel": "poly", "gamma": "auto", "coef0": 1, "probability": False},
     dict(kernel="poly", gamma="auto", coef0=1.0, degree=3))
case("sigmoid gamma 0.05", {"kernel": "sigmoid", "gamma": 0.05, "c": 0.5, "probability": False},
     dict(kernel="sigmoid", gamma=0.05, C=0.5))

# Probabilities from scikit-learn's own (randomised) Platt scaling.
prob_model = SVC(kernel="rbf", C=1.0, probability=True, random_state=0).fit(X, y)
# Three classes, one-vs-one: "ovr"-shaped and pairwise ("ovo") decision values, libsvm's vote,
# and the coupling of pairwise Platt probabilities (exact given scikit-learn's own probA_/probB_).
y3 = np.digitize(X[:, 0] + 0.6 * X[:, 3] + rng.normal(0, 0.5, n), [-0.5, 0.5]).astype(float)
multiclass = []
for name, patron, sk in [
    ("rbf C=1", {"c": 1}, dict(kernel="rbf", C=1.0)),
    ("linear C=0.5 balanced", {"kernel": "linear", "c": 0.5, "classWeight": "balanced"}, dict(kernel="linear", C=0.5, class_weight="balanced")),
]:
    model = SVC(probability=True, random_state=0, **sk).fit(X, y3)
    ovo = SVC(probability=False, decision_function_shape="ovo", **sk).fit(X, y3)
    multiclass.append({
        "name": name,
        "patron": patron,
        "supportIndex": [int(v) for v in model.support_],
        "decisionOvr": arr(model.decision_function(Q)),
        "decisionOvo": arr(ovo.decision_function(Q)),
        "predict": arr(ovo.predict(Q)),
        "probA": arr(model.probA_),
        "probB": arr(model.probB_),
        "proba": arr(model.predict_proba(Q)),
        "probaDecisionOvo": arr(SVC(probability=True, random_state=0, decision_function_shape="ovo", **sk).fit(X, y3).decision_function(Q)),
    })

# How far scikit-learn's own probabilities move with the fold seed: the scale for comparing ours.
by_seed = np.array([SVC(kernel="rbf", C=1.0, probability=True, random_state=seed).fit(X, y).predict_proba(Q)[:, 1]
                    for seed in range(8)])
probability = {
    "patron": {"c": 1},
    "probaBySeed": [arr(row) for row in by_seed],
    "seedSpread": float(np.abs(by_seed[:, None, :] - by_seed[None, :, :]).max()),
    "proba": arr(prob_model.predict_proba(Q)[:, 1]),
    "probA": float(prob_model.probA_[0]),
    "probB": float(prob_model.probB_[0]),
    "decision": arr(prob_model.decision_function(Q)),
}

# The exact Platt fit on fixed decision values (the training margins of the first rbf case).
F = SVC(kernel="rbf", C=1.0).fit(X, y).decision_function(X)
prior1 = y.sum()
prior0 = n - prior1
T = np.where(y > 0, (prior1 + 1) / (prior1 + 2), 1 / (prior0 + 2))


def objective(ab):
    P = expit(-(ab[0] * F + ab[1]))
    return -(xlogy(T, P) + xlogy(1 - T, 1 - P)).sum()


res = optimize.minimize(objective, [0.0, np.log((prior0 + 1) / (prior1 + 1))], method="BFGS", options={"gtol": 1e-10})
platt = {"decision": arr(F), "y": arr(y), "a": float(res.x[0]), "b": float(res.x[1])}

# Calibration that scikit-learn's Platt scaling reaches when P(y = 1 | x) = σ(1.5 x0 − x1) is
# known: 400 training rows, SVC(C=1, rbf), 5000 test rows, expected calibration error over 10
# equal-count bins and mean |p − truth|, over 8 independent draws. Patron's test draws the same
# design from its own generator and must do as well.
cal_rng = np.random.default_rng(7)


def draw(m):
    Z = cal_rng.normal(size=(m, 2))
    truth = expit(1.5 * Z[:, 0] - Z[:, 1])
    return Z, truth, (cal_rng.random(m) < truth).astype(float)


def ece(prob, labels):
    order = np.argsort(prob, kind="stable")
    return float(np.mean([abs(prob[b].mean() - labels[b].mean()) for b in np.array_split(order, 10)]))


eces, maes = [], []
for rep in range(8):
    Xc, _, yc = draw(400)
    Xt, tt, yt = draw(5000)
    pc = SVC(C=1.0, probability=True, random_state=rep).fit(Xc, yc).predict_proba(Xt)[:, 1]
    eces.append(ece(pc, yt))
    maes.append(float(np.abs(pc - tt).mean()))
calibration = {"ece": eces, "maeToTruth": maes}

out = {
    "generator": "scripts/reference/svc.py",
    "versions": {"python": platform.python_version(), "sklearn": sklearn.__version__, "numpy": np.__version__, "scipy": scipy.__version__},
    "nRows": n, "nQuery": n_query, "nCols": p,
    "x": arr(X.T), "query": arr(Q.T), "y": arr(y), "y3": arr(y3), "sampleWeight": arr(sample_weight),
    "cases": cases, "probability": probability, "platt": platt, "calibration": calibration,
    "multiclass": multiclass,
}
path = Path(__file__).resolve().parents[2] / "test" / "reference" / "svc.json"
path.write_text(json.dumps(out) + "\n")
print(f"wrote {path} ({path.stat().st_size} bytes, {len(cases)} cases)", file=sys.stderr)
