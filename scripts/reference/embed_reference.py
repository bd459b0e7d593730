"""Reference values for src/models/embed from scikit-learn 1.2.1: PCA explained variance on
seeded correlated data, and t-SNE KL divergence / trustworthiness on 300 handwritten digits
(sklearn's bundled load_digits, no download).

Run: /usr/bin/python3 scripts/reference/embed_reference.py  → test/reference/embed.json
"""
import json, os
import numpy as np
import sklearn
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE, trustworthiness

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
rs = np.random.RandomState(11)
A = rs.randn(6, 6)
X = np.round(rs.randn(400, 6) @ A + rs.randn(6) * 3, 6)
p = PCA().fit(X)
comps = p.components_.copy()
for c in comps:  # sign-normalise: largest-magnitude loading positive
    if c[np.argmax(np.abs(c))] < 0:
        c *= -1

digits = load_digits()
D = digits.data[:300].astype(float)
lab = digits.target[:300]
tsne_cases = []
for method in ("exact", "barnes_hut"):
    t = TSNE(n_components=2, perplexity=30, init="pca", learning_rate="auto", method=method, random_state=0).fit(D)
    tsne_cases.append({"method": method, "kl": float(t.kl_divergence_), "trustworthiness": float(trustworthiness(D, t.embedding_, n_neighbors=5)), "n_iter": int(t.n_iter_), "embedding": np.round(t.embedding_, 5).tolist()})

out = {
    "versions": {"sklearn": sklearn.__version__, "numpy": np.__version__},
    "pca": {"X": X.tolist(), "ratio": p.explained_variance_ratio_.tolist(), "variance": p.explained_variance_.tolist(), "components": comps.tolist(), "n_for_90": int(PCA(n_components=0.9).fit(X).n_components_)},
    "digits": {"X": D.tolist(), "y": lab.tolist()},
    "tsne": tsne_cases,
}
with open(os.path.join(ROOT, "test/reference/embed.json"), "w") as f:
    json.dump(out, f)
print("wrote", [(c["method"], c["kl"], c["trustworthiness"], c["n_iter"]) for c in tsne_cases])
