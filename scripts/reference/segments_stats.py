"""Reference values for src/jobs/segments/stats.ts: scipy.stats.mannwhitneyu (asymptotic, with
continuity correction — what scipy picks for samples with ties or above 8 values) on a few
literal samples, including ties and a heavy-tailed one. Run with Debian's /usr/bin/python3:
    /usr/bin/python3 scripts/reference/segments_stats.py > test/reference/segments-stats.json
"""
import json

import numpy as np
import scipy
from scipy.stats import mannwhitneyu

rng = np.random.default_rng(11)
cases = {
    "ties": ([1, 2, 2, 3, 5, 5, 5, 8, 9, 12], [0, 1, 1, 2, 2, 3, 4, 5, 5]),
    "shifted_normal": (list(np.round(rng.normal(1.0, 1.0, 40), 3)), list(np.round(rng.normal(0.0, 1.0, 55), 3))),
    "lognormal_revenue": (list(np.round(rng.lognormal(7.0, 1.2, 120), 2)), list(np.round(rng.lognormal(5.5, 1.2, 300), 2))),
    "equal": ([3, 3, 3, 4, 4, 5, 6, 7, 8, 9], [3, 3, 4, 4, 4, 5, 6, 7, 8, 10]),
}
out = {"versions": {"scipy": scipy.__version__, "numpy": np.__version__}, "cases": []}
for name, (x, y) in cases.items():
    two = mannwhitneyu(x, y, alternative="two-sided", method="asymptotic", use_continuity=True)
    greater = mannwhitneyu(x, y, alternative="greater", method="asymptotic", use_continuity=True)
    out["cases"].append({"name": name, "x": [float(v) for v in x], "y": [float(v) for v in y],
                         "u": float(greater.statistic), "p_two_sided": float(two.pvalue), "p_greater": float(greater.pvalue)})
print(json.dumps(out, indent=1))
