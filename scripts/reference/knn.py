"""Reference predictions for src/models/neighbors/*.ts from scikit-learn.

Run with Debian's interpreter: /usr/bin/python3 scripts/reference/knn.py
Writes test/reference/knn.json: a seeded training set (continuous features, so distance ties
have probability zero, plus three training rows duplicated so that a query at distance 0 from
several rows exercises the distance-weight rule) and query rows (including exact copies of
training rows), with scikit-learn's kneighbors, predict_proba / predict for several settings.
Searches use algorithm="kd_tree", which computes exact distances (algorithm="brute" goes
through ‖a‖² + ‖b‖² − 2a·b, whose rounding changes 1/distance weights in the last digits).
"""
import json
import platform
import sys
from pathlib import Path

import numpy as np
import sklearn
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

rng = np.random.default_rng(20240613)
n_train, n_query, p = 300, 80, 4
X = rng.normal(size=(n_train, p)) * np.array([1.0, 2.0, 0.5, 1.0])
X[297:300] = X[10]  # three copies of row 10 (four rows at one point)
y2 = (X[:, 0] + 0.5 * X[:, 1] + rng.normal(0, 0.8, n_train) > 0).astype(float)
y3 = np.digitize(X[:, 0] - 0.3 * X[:, 2] + rng.normal(0, 0.5, n_train), [-0.4, 0.5]).astype(float)
y3[297] = (y3[10] + 1) % 3  # the duplicates disagree, so the zero-distance share is not 0 or 1
y_reg = 2 * X[:, 0] - X[:, 1] + rng.normal(0, 0.3, n_train)
Q = rng.normal(size=(n_query, p)) * np.array([1.0, 2.0, 0.5, 1.0])
Q[0] = X[10]  # at distance 0 from four training rows
Q[1] = X[42]  # at distance 0 from one training row


def arr(a):
    return [float(v) for v in np.asarray(a, dtype=float).ravel()]


cases = []
for name, options, sk in [
    ("k=5 uniform euclidean", {"nNeighbors": 5}, dict(n_neighbors=5)),
    ("k=7 distance euclidean", {"nNeighbors": 7, "weights": "distance"}, dict(n_neighbors=7, weights="distance")),
    ("k=6 uniform manhattan", {"nNeighbors": 6, "metric": "manhattan"}, dict(n_neighbors=6, metric="manhattan")),
    ("k=9 distance manhattan", {"nNeighbors": 9, "weights": "distance", "metric": "manhattan"},
     dict(n_neighbors=9, weights="distance", metric="manhattan")),
    ("k=4 distance minkowski p=3", {"nNeighbors": 4, "weights": "distance", "metric": "minkowski", "p": 3},
     dict(n_neighbors=4, weights="distance", metric="minkowski", p=3)),
    ("k=1", {"nNeighbors": 1}, dict(n_neighbors=1)),
]:
    for labels, target in [("binary", y2), ("multiclass", y3)]:
        model = KNeighborsClassifier(algorithm="kd_tree", **sk).fit(X, target)
        dist, ind = model.kneighbors(Q)
        proba = model.predict_proba(Q)
        cases.append({
            "name": f"classifier {labels} {name}", "task": labels, "options": options,
            "neighborIndex": [int(v) for v in ind.ravel()], "neighborDistance": arr(dist),
            "proba": arr(proba[:, 1] if labels == "binary" else proba), "predict": arr(model.predict(Q)),
        })
    model = KNeighborsRegressor(algorithm="kd_tree", **sk).fit(X, y_reg)
    cases.append({"name": f"regressor {name}", "task": "regression", "options": options, "predict": arr(model.predict(Q))})

out = {
    "generator": "scripts/reference/knn.py",
    "versions": {"python": platform.python_version(), "sklearn": sklearn.__version__, "numpy": np.__version__},
    "nTrain": n_train, "nQuery": n_query, "nCols": p,
    "x": arr(X.T), "query": arr(Q.T), "yBinary": arr(y2), "yMulticlass": arr(y3), "yRegression": arr(y_reg),
    "cases": cases,
}
path = Path(__file__).resolve().parents[2] / "test" / "reference" / "knn.json"
path.write_text(json.dumps(out) + "\n")
print(f"wrote {path} ({path.stat().st_size} bytes, {len(cases)} cases)", file=sys.stderr)
