"""Reference values for Patron's uplift metrics (src/metrics/uplift-*.ts).

scikit-uplift is not installed here (no PyPI), so this file carries a faithful port of the
functions we match, copied operation by operation from scikit-uplift 0.5.1,
sklift/metrics/metrics.py (github.com/maks-sh/scikit-uplift, release tag v0.5.1; the 0.5.x
file is the one that also defines max_prof_uplift; 0.5.1 changed no metric). Only the input
checks (check_consistent_length, check_is_binary) are reduced to asserts. Everything numeric
(mergesort order reversed, np.unique thresholds via np.diff, stable_cumsum, sklearn's auc =
np.trapz with numpy's pairwise summation, np.array_split, Python's round in the percentile
labels) is the library's own code path, so the fixtures are what sklift 0.5.1 would print.

Run with Debian's interpreter:  /usr/bin/python3 scripts/reference/uplift_metrics.py
Writes test/reference/uplift_metrics.json.
"""
import json
import math
import os
import sys

import numpy as np
import pandas as pd
import sklearn
from sklearn.metrics import auc
from sklearn.utils.extmath import stable_cumsum

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "test", "reference", "uplift_metrics.json")


def check_is_binary(array):
    assert np.all(np.unique(array) == np.array([0, 1])), "not binary"


# ---- port of sklift/metrics/metrics.py (0.5.1) -------------------------------------------

def uplift_curve(y_true, uplift, treatment):
    check_is_binary(treatment)
    check_is_binary(y_true)
    y_true, uplift, treatment = np.array(y_true), np.array(uplift), np.array(treatment)
    desc_score_indices = np.argsort(uplift, kind="mergesort")[::-1]
    y_true, uplift, treatment = y_true[desc_score_indices], uplift[desc_score_indices], treatment[desc_score_indices]
    y_true_ctrl, y_true_trmnt = y_true.copy(), y_true.copy()
    y_true_ctrl[treatment == 1] = 0
    y_true_trmnt[treatment == 0] = 0
    distinct_value_indices = np.where(np.diff(uplift))[0]
    threshold_indices = np.r_[distinct_value_indices, uplift.size - 1]
    num_trmnt = stable_cumsum(treatment)[threshold_indices]
    y_trmnt = stable_cumsum(y_true_trmnt)[threshold_indices]
    num_all = threshold_indices + 1
    num_ctrl = num_all - num_trmnt
    y_ctrl = stable_cumsum(y_true_ctrl)[threshold_indices]
    curve_values = (np.divide(y_trmnt, num_trmnt, out=np.zeros_like(y_trmnt), where=num_trmnt != 0) -
                    np.divide(y_ctrl, num_ctrl, out=np.zeros_like(y_ctrl), where=num_ctrl != 0)) * num_all
    if num_all.size == 0 or curve_values[0] != 0 or num_all[0] != 0:
        num_all = np.r_[0, num_all]
        curve_values = np.r_[0, curve_values]
    return num_all, curve_values


def perfect_uplift_curve(y_true, treatment):
    check_is_binary(treatment)
    check_is_binary(y_true)
    y_true, treatment = np.array(y_true), np.array(treatment)
    cr_num = np.sum((y_true == 1) & (treatment == 0))
    tn_num = np.sum((y_true == 0) & (treatment == 1))
    summand = y_true if cr_num > tn_num else treatment
    perfect_uplift = 2 * (y_true == treatment) + summand
    return uplift_curve(y_true, perfect_uplift, treatment)


def uplift_auc_score(y_true, uplift, treatment):
    y_true, uplift, treatment = np.array(y_true), np.array(uplift), np.array(treatment)
    x_actual, y_actual = uplift_curve(y_true, uplift, treatment)
    x_perfect, y_perfect = perfect_uplift_curve(y_true, treatment)
    x_baseline, y_baseline = np.array([0, x_perfect[-1]]), np.array([0, y_perfect[-1]])
    auc_score_baseline = auc(x_baseline, y_baseline)
    auc_score_perfect = auc(x_perfect, y_perfect) - auc_score_baseline
    auc_score_actual = auc(x_actual, y_actual) - auc_score_baseline
    return auc_score_actual / auc_score_perfect


def qini_curve(y_true, uplift, treatment):
    check_is_binary(treatment)
    check_is_binary(y_true)
    y_true, uplift, treatment = np.array(y_true), np.array(uplift), np.array(treatment)
    desc_score_indices = np.argsort(uplift, kind="mergesort")[::-1]
    y_true = y_true[desc_score_indices]
    treatment = treatment[desc_score_indices]
    uplift = uplift[desc_score_indices]
    y_true_ctrl, y_true_trmnt = y_true.copy(), y_true.copy()
    y_true_ctrl[treatment == 1] = 0
    y_true_trmnt[treatment == 0] = 0
    distinct_value_indices = np.where(np.diff(uplift))[0]
    threshold_indices = np.r_[distinct_value_indices, uplift.size - 1]
    num_trmnt = stable_cumsum(treatment)[threshold_indices]
    y_trmnt = stable_cumsum(y_true_trmnt)[threshold_indices]
    num_all = threshold_indices + 1
    num_ctrl = num_all - num_trmnt
    y_ctrl = stable_cumsum(y_true_ctrl)[threshold_indices]
    curve_values = y_trmnt - y_ctrl * np.divide(num_trmnt, num_ctrl, out=np.zeros_like(num_trmnt), where=num_ctrl != 0)
    if num_all.size == 0 or curve_values[0] != 0 or num_all[0] != 0:
        num_all = np.r_[0, num_all]
        curve_values = np.r_[0, curve_values]
    return num_all, curve_values


def perfect_qini_curve(y_true, treatment, negative_effect=True):
    check_is_binary(treatment)
    check_is_binary(y_true)
    n_samples = len(y_true)
    y_true, treatment = np.array(y_true), np.array(treatment)
    if negative_effect:
        x_perfect, y_perfect = qini_curve(y_true, y_true * treatment - y_true * (1 - treatment), treatment)
    else:
        ratio_random = (y_true[treatment == 1].sum() - len(y_true[treatment == 1]) *
                        y_true[treatment == 0].sum() / len(y_true[treatment == 0]))
        x_perfect, y_perfect = np.array([0, ratio_random, n_samples]), np.array([0, ratio_random, ratio_random])
    return x_perfect, y_perfect


def qini_auc_score(y_true, uplift, treatment, negative_effect=True):
    y_true, uplift, treatment = np.array(y_true), np.array(uplift), np.array(treatment)
    x_actual, y_actual = qini_curve(y_true, uplift, treatment)
    x_perfect, y_perfect = perfect_qini_curve(y_true, treatment, negative_effect)
    x_baseline, y_baseline = np.array([0, x_perfect[-1]]), np.array([0, y_perfect[-1]])
    auc_score_baseline = auc(x_baseline, y_baseline)
    auc_score_perfect = auc(x_perfect, y_perfect) - auc_score_baseline
    auc_score_actual = auc(x_actual, y_actual) - auc_score_baseline
    return auc_score_actual / auc_score_perfect


def uplift_at_k(y_true, uplift, treatment, strategy, k=0.3):
    check_is_binary(treatment)
    check_is_binary(y_true)
    y_true, uplift, treatment = np.array(y_true), np.array(uplift), np.array(treatment)
    n_samples = len(y_true)
    order = np.argsort(uplift, kind='mergesort')[::-1]
    _, treatment_counts = np.unique(treatment, return_counts=True)
    n_samples_ctrl = treatment_counts[0]
    n_samples_trmnt = treatment_counts[1]
    k_type = np.asarray(k).dtype.kind
    if (k_type == 'i' and (k >= n_samples or k <= 0)
            or k_type == 'f' and (k <= 0 or k >= 1)):
        raise ValueError('bad k')
    if strategy == 'overall':
        n_size = int(n_samples * k) if k_type == 'f' else k
        score_ctrl = y_true[order][:n_size][treatment[order][:n_size] == 0].mean()
        score_trmnt = y_true[order][:n_size][treatment[order][:n_size] == 1].mean()
    else:
        if k_type == 'f':
            n_ctrl = int((treatment == 0).sum() * k)
            n_trmnt = int((treatment == 1).sum() * k)
        else:
            n_ctrl = k
            n_trmnt = k
        if n_ctrl > n_samples_ctrl or n_trmnt > n_samples_trmnt:
            raise ValueError('k too large for a group')
        score_ctrl = y_true[order][treatment[order] == 0][:n_ctrl].mean()
        score_trmnt = y_true[order][treatment[order] == 1][:n_trmnt].mean()
    return score_trmnt - score_ctrl


def response_rate_by_percentile(y_true, uplift, treatment, group, strategy='overall', bins=10):
    check_is_binary(treatment)
    check_is_binary(y_true)
    y_true, uplift, treatment = np.array(y_true), np.array(uplift), np.array(treatment)
    order = np.argsort(uplift, kind='mergesort')[::-1]
    trmnt_flag = 1 if group == 'treatment' else 0
    if strategy == 'overall':
        y_true_bin = np.array_split(y_true[order], bins)
        trmnt_bin = np.array_split(treatment[order], bins)
        group_size = np.array([len(y[trmnt == trmnt_flag]) for y, trmnt in zip(y_true_bin, trmnt_bin)])
        response_rate = np.array([np.mean(y[trmnt == trmnt_flag]) for y, trmnt in zip(y_true_bin, trmnt_bin)])
    else:
        y_bin = np.array_split(y_true[order][treatment[order] == trmnt_flag], bins)
        group_size = np.array([len(y) for y in y_bin])
        response_rate = np.array([np.mean(y) for y in y_bin])
    variance = np.multiply(response_rate, np.divide((1 - response_rate), group_size))
    return response_rate, variance, group_size


def weighted_average_uplift(y_true, uplift, treatment, strategy='overall', bins=10):
    response_rate_trmnt, variance_trmnt, n_trmnt = response_rate_by_percentile(
        y_true, uplift, treatment, group='treatment', strategy=strategy, bins=bins)
    response_rate_ctrl, variance_ctrl, n_ctrl = response_rate_by_percentile(
        y_true, uplift, treatment, group='control', strategy=strategy, bins=bins)
    uplift_scores = response_rate_trmnt - response_rate_ctrl
    return np.dot(n_trmnt, uplift_scores) / np.sum(n_trmnt)


def uplift_by_percentile(y_true, uplift, treatment, strategy='overall', bins=10, std=False, total=False,
                         string_percentiles=True):
    y_true, uplift, treatment = np.array(y_true), np.array(uplift), np.array(treatment)
    response_rate_trmnt, variance_trmnt, n_trmnt = response_rate_by_percentile(
        y_true, uplift, treatment, group='treatment', strategy=strategy, bins=bins)
    response_rate_ctrl, variance_ctrl, n_ctrl = response_rate_by_percentile(
        y_true, uplift, treatment, group='control', strategy=strategy, bins=bins)
    uplift_scores = response_rate_trmnt - response_rate_ctrl
    uplift_variance = variance_trmnt + variance_ctrl
    percentiles = [round(p * 100 / bins) for p in range(1, bins + 1)]
    if string_percentiles:
        percentiles = [f"0-{percentiles[0]}"] + \
            [f"{percentiles[i]}-{percentiles[i + 1]}" for i in range(len(percentiles) - 1)]
    df = pd.DataFrame({
        'percentile': percentiles,
        'n_treatment': n_trmnt,
        'n_control': n_ctrl,
        'response_rate_treatment': response_rate_trmnt,
        'response_rate_control': response_rate_ctrl,
        'uplift': uplift_scores
    })
    if total:
        response_rate_trmnt_total, variance_trmnt_total, n_trmnt_total = response_rate_by_percentile(
            y_true, uplift, treatment, strategy=strategy, group='treatment', bins=1)
        response_rate_ctrl_total, variance_ctrl_total, n_ctrl_total = response_rate_by_percentile(
            y_true, uplift, treatment, strategy=strategy, group='control', bins=1)
        # sklift assigns the length-1 arrays themselves; numpy >= 1.24 refuses that ragged row
        # (older numpy made an object row that pandas unwrapped), so the one value is taken here.
        df.loc[-1, :] = ['total', n_trmnt_total[0], n_ctrl_total[0], response_rate_trmnt_total[0],
                         response_rate_ctrl_total[0], (response_rate_trmnt_total - response_rate_ctrl_total)[0]]
    if std:
        std_treatment = np.sqrt(variance_trmnt)
        std_control = np.sqrt(variance_ctrl)
        std_uplift = np.sqrt(uplift_variance)
        if total:
            std_treatment = np.append(std_treatment, np.sum(std_treatment))
            std_control = np.append(std_control, np.sum(std_control))
            std_uplift = np.append(std_uplift, np.sum(std_uplift))
        df.loc[:, 'std_treatment'] = std_treatment
        df.loc[:, 'std_control'] = std_control
        df.loc[:, 'std_uplift'] = std_uplift
    df = df.set_index('percentile', drop=True, inplace=False).astype({'n_treatment': 'int32', 'n_control': 'int32'})
    return df


def treatment_balance_curve(uplift, treatment, winsize):
    check_is_binary(treatment)
    uplift, treatment = np.array(uplift), np.array(treatment)
    desc_score_indices = np.argsort(uplift, kind="mergesort")[::-1]
    treatment = treatment[desc_score_indices]
    balance = np.convolve(treatment, np.ones(winsize), 'valid') / winsize
    idx = np.linspace(1, 100, len(balance))
    return idx, balance


# ---- fixtures -----------------------------------------------------------------------------

def clean(value):
    """JSON without NaN: NaN → None (JSON null), numpy scalars → Python numbers."""
    if isinstance(value, (list, tuple, np.ndarray)):
        return [clean(v) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return None if math.isnan(value) else value
    return value


def case(name, y, u, t):
    y, u, t = np.asarray(y, dtype=np.int64), np.asarray(u, dtype=np.float64), np.asarray(t, dtype=np.int64)
    out = {"name": name, "y": y.tolist(), "uplift": u.tolist(), "treatment": t.tolist()}
    out["uplift_curve"] = [clean(a) for a in uplift_curve(y, u, t)]
    out["perfect_uplift_curve"] = [clean(a) for a in perfect_uplift_curve(y, t)]
    out["uplift_auc_score"] = clean(uplift_auc_score(y, u, t))
    out["qini_curve"] = [clean(a) for a in qini_curve(y, u, t)]
    out["perfect_qini_curve"] = {
        "negative_effect": [clean(a) for a in perfect_qini_curve(y, t, True)],
        "no_negative_effect": [clean(a) for a in perfect_qini_curve(y, t, False)],
    }
    out["qini_auc_score"] = {"negative_effect": clean(qini_auc_score(y, u, t, True))}
    try:
        out["qini_auc_score"]["no_negative_effect"] = clean(qini_auc_score(y, u, t, False))
    except ValueError as error:  # sklearn's auc rejects a non-monotonic perfect curve
        out["qini_auc_score"]["no_negative_effect_error"] = str(error)[:60]
    n = len(y)
    at_k = []
    for strategy in ("overall", "by_group"):
        for k in (0.1, 0.3, 0.5, 0.77, 3, 7, n // 3):
            try:
                value = uplift_at_k(y, u, t, strategy, k)
                at_k.append({"strategy": strategy, "k": k, "count": isinstance(k, int), "value": clean(value)})
            except ValueError as error:
                at_k.append({"strategy": strategy, "k": k, "count": isinstance(k, int), "error": str(error)})
    out["uplift_at_k"] = at_k
    by_pct = []
    for strategy in ("overall", "by_group"):
        for bins in (10, 7, 8, 3):
            if bins >= n:
                continue
            rr = {}
            for group in ("treatment", "control"):
                rate, var, size = response_rate_by_percentile(y, u, t, group, strategy, bins)
                rr[group] = {"response_rate": clean(rate), "variance": clean(var), "group_size": clean(size)}
            df = uplift_by_percentile(y, u, t, strategy=strategy, bins=bins, std=True, total=True)
            df_plain = uplift_by_percentile(y, u, t, strategy=strategy, bins=bins)
            table = {"percentile": [str(p) for p in df.index]}
            for col in df.columns:
                table[col] = clean(df[col].to_numpy())
            by_pct.append({
                "strategy": strategy, "bins": bins,
                "response_rate_by_percentile": rr,
                "uplift_by_percentile": table,
                "uplift_by_percentile_plain_columns": list(df_plain.columns),
                "weighted_average_uplift": clean(weighted_average_uplift(y, u, t, strategy, bins)),
            })
    out["by_percentile"] = by_pct
    out["treatment_balance_curve"] = []
    for winsize in (1, 5, n // 4, n):
        idx, balance = treatment_balance_curve(u, t, winsize)
        out["treatment_balance_curve"].append({"winsize": winsize, "idx": clean(idx), "balance": clean(balance)})
    return out


def main():
    rng = np.random.default_rng(20240607)
    cases = []
    # Hand-sized case with ties; worked through by hand in test/metrics/uplift-metrics.test.ts too.
    cases.append(case("tiny-ties",
                      y=[1, 0, 1, 1, 0, 0, 1, 0, 1, 0],
                      u=[0.9, 0.9, 0.5, 0.5, 0.5, 0.2, 0.2, -0.1, -0.1, -0.3],
                      t=[1, 0, 1, 0, 1, 1, 0, 0, 1, 0]))
    # Heavy ties: scores from 6 distinct values.
    n = 400
    t = rng.integers(0, 2, n)
    u = rng.integers(0, 6, n) / 5.0 - 0.4
    p = 0.3 + 0.2 * t * (u > 0)
    y = (rng.random(n) < p).astype(int)
    cases.append(case("heavy-ties", y, u, t))
    # Continuous scores with a real effect, balanced arms.
    n = 1000
    x = rng.normal(size=n)
    t = rng.integers(0, 2, n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(-0.5 + 0.8 * t * x)))).astype(int)
    u = x + rng.normal(scale=0.5, size=n)
    cases.append(case("continuous", y, u, t))
    # Imbalanced treatment (80% treated), scores rounded to 2 decimals (some ties), odd n.
    n = 733
    t = (rng.random(n) < 0.8).astype(int)
    u = np.round(rng.normal(size=n), 2)
    y = (rng.random(n) < 0.2 + 0.1 * t * (u > 0.5)).astype(int)
    cases.append(case("imbalanced", y, u, t))
    # Control responders outnumber treated non-responders (the other branch of the perfect curve),
    # and a harmful treatment so the no-negative-effect perfect Qini curve is not monotonic.
    n = 300
    t = rng.integers(0, 2, n)
    u = rng.normal(size=n)
    y = (rng.random(n) < 0.85 - 0.3 * t).astype(int)
    cases.append(case("harmful", y, u, t))
    # Small odd case (bins larger than a group's share → empty bins → NaN rates).
    cases.append(case("small-odd",
                      y=[0, 1, 1, 0, 1, 0, 0, 1, 1, 0, 1, 0, 1],
                      u=[3, 1, 2, 2, 5, 4, 1, 0, 2, 3, 3, 1, 6],
                      t=[0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0]))
    doc = {
        "generator": "scripts/reference/uplift_metrics.py",
        "reference": "port of scikit-uplift 0.5.1 sklift/metrics/metrics.py (maks-sh/scikit-uplift, tag v0.5.1)",
        "versions": {"python": sys.version.split()[0], "numpy": np.__version__, "pandas": pd.__version__,
                     "scikit-learn": sklearn.__version__},
        "cases": cases,
    }
    with open(OUT, "w") as f:
        json.dump(doc, f, separators=(",", ":"), allow_nan=False)
    print(f"wrote {OUT}: {os.path.getsize(OUT)} bytes, {len(cases)} cases")


if __name__ == "__main__":
    main()
