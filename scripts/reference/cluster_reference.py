"""Reference values for src/models/cluster and src/metrics/clustering.ts from scikit-learn
1.2.1 / SciPy 1.10.1, on small seeded data stored in the fixture (so the tests need no Python).

Run: /usr/bin/python3 scripts/reference/cluster_reference.py  → test/reference/cluster.json
"""
import json, os
import numpy as np
import scipy, sklearn
from scipy.cluster.hierarchy import linkage, fcluster
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans, DBSCAN, AgglomerativeClustering
from sklearn.datasets import make_blobs
from sklearn.mixture import GaussianMixture
from sklearn.metrics import silhouette_score, silhouette_samples, calinski_harabasz_score, davies_bouldin_score

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
rs = np.random.RandomState(7)

# Blobs with uneven sizes and spreads, 3 features.
X, y = make_blobs(n_samples=[120, 60, 20], n_features=3, centers=None, cluster_std=[1.0, 1.5, 0.5], random_state=3)
X = np.round(X, 6)

out = {"versions": {"sklearn": sklearn.__version__, "scipy": scipy.__version__, "numpy": np.__version__}, "X": X.tolist(), "y": y.tolist()}

# k-means from explicit initial centres (rows 0, 130, 190), Lloyd, n_init=1.
init = X[[0, 130, 190, 5]]
km_cases = []
for k in (3, 4):
    km = KMeans(n_clusters=k, init=init[:k], n_init=1, algorithm="lloyd", max_iter=300, tol=1e-4).fit(X)
    km_cases.append({"k": k, "init": init[:k].tolist(), "labels": km.labels_.tolist(), "inertia": km.inertia_, "centers": km.cluster_centers_.tolist(), "n_iter": int(km.n_iter_)})
out["kmeans"] = km_cases

# GMM with fixed init; one EM iteration and a converged run.
means_init = X[[0, 130, 190]]
weights_init = np.array([0.5, 0.3, 0.2])
precisions_init = np.array([np.eye(3) * 0.5, np.eye(3) * 0.8 + 0.1, np.eye(3) * 2.0])
gm_cases = []
for max_iter, tol in ((1, 1e-3), (5, 1e-3), (200, 1e-10)):
    gm = GaussianMixture(n_components=3, covariance_type="full", reg_covar=1e-6, max_iter=max_iter, tol=tol, weights_init=weights_init, means_init=means_init, precisions_init=precisions_init).fit(X)
    gm_cases.append({"max_iter": max_iter, "tol": tol, "lower_bound": gm.lower_bound_, "score": gm.score(X), "proba": gm.predict_proba(X).tolist(), "weights": gm.weights_.tolist(), "means": gm.means_.tolist(), "n_iter": int(gm.n_iter_), "converged": bool(gm.converged_)})
out["gmm"] = {"weights_init": weights_init.tolist(), "means_init": means_init.tolist(), "precisions_init": precisions_init.tolist(), "cases": gm_cases}

# Ward: SciPy's linkage and scikit-learn's labels.
Z = linkage(X, method="ward")
out["ward"] = {"linkage": Z.tolist(), "labels": {str(k): AgglomerativeClustering(n_clusters=k, linkage="ward").fit(X).labels_.tolist() for k in (2, 3, 5)}}

# DBSCAN with a few eps / min_samples, including noise and border points.
out["dbscan"] = [{"eps": eps, "min_samples": ms, "labels": DBSCAN(eps=eps, min_samples=ms).fit(X).labels_.tolist()} for eps, ms in ((0.8, 5), (1.2, 4), (0.5, 3), (2.0, 10))]

# Metrics for the true labels and a k-means labelling.
out["metrics"] = []
for name, lab in (("truth", y), ("kmeans4", np.array(km_cases[1]["labels"]))):
    out["metrics"].append({"name": name, "labels": lab.tolist(), "silhouette": silhouette_score(X, lab), "samples": silhouette_samples(X, lab).tolist(), "calinski_harabasz": calinski_harabasz_score(X, lab), "davies_bouldin": davies_bouldin_score(X, lab)})
# A labelling with a singleton cluster.
lab = y.copy(); lab[0] = 3
out["metrics"].append({"name": "singleton", "labels": lab.tolist(), "silhouette": silhouette_score(X, lab), "samples": silhouette_samples(X, lab).tolist(), "calinski_harabasz": calinski_harabasz_score(X, lab), "davies_bouldin": davies_bouldin_score(X, lab)})

# Assignment problems: square and rectangular, compared by total cost.
assign = []
for shape in ((5, 5), (4, 7), (7, 4), (9, 9)):
    C = np.round(rs.rand(*shape) * 10, 3)
    r, c = linear_sum_assignment(C)
    assign.append({"cost": C.tolist(), "total": float(C[r, c].sum()), "rows": r.tolist(), "cols": c.tolist()})
out["assignment"] = assign

with open(os.path.join(ROOT, "test/reference/cluster.json"), "w") as f:
    json.dump(out, f)
print("wrote test/reference/cluster.json")
