"""Dataset-level references for src/models/tree/gbdt.ts from XGBoost 1.7's tree_method="hist".

Run with Debian's interpreter: /usr/bin/python3 scripts/reference/gbdt_datasets.py
Writes
- test/reference/gbdt_synthetic.csv.gz: a seeded synthetic table (8 features, two with 10%
  missing, a binary and a continuous target), values rounded to 3 decimals;
- test/reference/gbdt_datasets.json: for each dataset the feature names, per-column checksums
  of the encoded matrix (so the TypeScript test proves it built the same matrix), the
  parameters, XGBoost's holdout ROC-AUC / RMSE, holdout predictions, and an early-stopping run
  (best iteration and the validation metric per round), with library versions.

Datasets (the TypeScript test builds the same matrices from data/):
1. synthetic — rows 0…6999 train, 7000… holdout;
2. Hillstrom (data/hillstrom/hillstrom.csv.gz), target visit; features recency, history, mens,
   womens, newbie, zip_code / channel / segment one-hot (categories sorted); holdout = rows
   whose 0-based number is 0, 1 or 2 mod 10;
3. «В один клик» (data/one-click/*.csv.gz): revenue and minutes per period pivoted, profit
   joined, 'стандартт' → 'стандарт', customers with zero revenue in any period dropped, target
   Покупательская активность == 'Снизилась', categorical columns one-hot; holdout = id % 4 == 0.
   With under 4,000 rows XGBoost's quantile sketch is exact here, so predictions must agree
   to float32 rounding, not just in AUC.
"""
import gzip
import io
import json
import platform
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
import xgboost as xgb
from sklearn.metrics import mean_squared_error, roc_auc_score

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
OUT = ROOT / "test" / "reference"


def lst(a, digits=None):
    a = np.asarray(a, dtype=float).ravel()
    if digits is not None:
        a = np.round(a, digits)
    return [None if np.isnan(v) else float(v) for v in a]


def checksums(x):
    """Per column: NaN count and the sum of the present values (order-independent enough at 1e-9)."""
    return [{"missing": int(np.isnan(c).sum()), "sum": float(np.nansum(c))} for c in x.T]


def train(params, x_train, y_train, rounds, weights=None):
    d = xgb.DMatrix(x_train, label=y_train, weight=weights, missing=np.nan)
    return xgb.train({"tree_method": "hist", "max_bin": 256, "nthread": 1, **params}, d, rounds)


def predict(booster, x):
    return booster.predict(xgb.DMatrix(x, missing=np.nan))


# 1. Synthetic ------------------------------------------------------------------------------
rng = np.random.default_rng(7)
n = 10_000
x = np.column_stack([
    rng.normal(0, 1, n),
    rng.normal(0, 2, n),
    rng.uniform(-1, 1, n),
    rng.integers(0, 5, n).astype(float),
    rng.exponential(1.0, n),
    rng.normal(0, 1, n),
    rng.normal(0, 1, n),
    rng.uniform(0, 1, n),
])
x = np.round(x, 3)
x[rng.random(n) < 0.1, 5] = np.nan
x[rng.random(n) < 0.1, 6] = np.nan
x5 = np.nan_to_num(x[:, 5], nan=1.0)
x6 = np.nan_to_num(x[:, 6], nan=-0.5)
logit = 1.1 * x[:, 0] - 0.5 * x[:, 1] + np.sin(3 * x[:, 2]) + 0.4 * (x[:, 3] >= 3) - 0.6 * x[:, 4] + 0.8 * x5 * x6 + 0.3
y_bin = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(float)
y_reg = np.round(2 * x[:, 0] + np.abs(x[:, 1]) + 3 * x[:, 2] ** 2 - x[:, 4] + x5 + rng.normal(0, 0.5, n), 3)
names = [f"s{j}" for j in range(8)]
frame = pd.DataFrame(x, columns=names)
frame["y_bin"] = y_bin
frame["y_reg"] = y_reg
buffer = io.StringIO()
frame.to_csv(buffer, index=False, na_rep="", float_format="%.3f")
with gzip.GzipFile(OUT / "gbdt_synthetic.csv.gz", "wb", mtime=0) as f:
    f.write(buffer.getvalue().encode())

holdout = np.arange(n) >= 7000
params_syn = {"objective": "binary:logistic", "max_depth": 5, "eta": 0.1, "min_child_weight": 1, "lambda": 1}
booster = train(params_syn, x[~holdout], y_bin[~holdout], 150)
p_syn = predict(booster, x[holdout])
reg_base = float(np.mean(y_reg[~holdout]))
params_reg = {"objective": "reg:squarederror", "max_depth": 5, "eta": 0.1, "base_score": reg_base}
booster_reg = train(params_reg, x[~holdout], y_reg[~holdout], 150)
pr_syn = predict(booster_reg, x[holdout])
synthetic = {
    "file": "test/reference/gbdt_synthetic.csv.gz",
    "featureNames": names,
    "trainRows": 7000,
    "checksums": checksums(x),
    "binary": {
        "xgboostParams": params_syn, "rounds": 150,
        "patronOptions": {"objective": "binary:logistic", "maxDepth": 5, "learningRate": 0.1, "nEstimators": 150},
        "auc": float(roc_auc_score(y_bin[holdout], p_syn)),
        "proba": lst(p_syn, 7),
    },
    "regression": {
        "xgboostParams": params_reg, "rounds": 150,
        "patronOptions": {"objective": "reg:squarederror", "maxDepth": 5, "learningRate": 0.1, "nEstimators": 150},
        "rmse": float(np.sqrt(mean_squared_error(y_reg[holdout], pr_syn))),
        "prediction": lst(pr_syn, 6),
    },
}

# 2. Hillstrom ------------------------------------------------------------------------------
h = pd.read_csv(DATA / "hillstrom" / "hillstrom.csv.gz")
h_names = ["recency", "history", "mens", "womens", "newbie"]
h_x = h[h_names].astype(float)
for column in ["zip_code", "channel", "segment"]:
    for value in sorted(h[column].unique()):
        name = f"{column}={value}"
        h_x[name] = (h[column] == value).astype(float)
        h_names.append(name)
h_x = h_x.to_numpy()
h_y = h["visit"].to_numpy(dtype=float)
h_hold = (np.arange(len(h)) % 10) <= 2
params_h = {"objective": "binary:logistic", "max_depth": 4, "eta": 0.1}
booster = train(params_h, h_x[~h_hold], h_y[~h_hold], 100)
p_h = predict(booster, h_x[h_hold])
hillstrom = {
    "featureNames": h_names,
    "rows": int(len(h)),
    "checksums": checksums(h_x),
    "binary": {
        "xgboostParams": params_h, "rounds": 100,
        "patronOptions": {"objective": "binary:logistic", "maxDepth": 4, "learningRate": 0.1, "nEstimators": 100},
        "auc": float(roc_auc_score(h_y[h_hold], p_h)),
        "probaHead": lst(p_h[:400], 7),
    },
}

# 3. «В один клик» --------------------------------------------------------------------------
oc = DATA / "one-click"
market = pd.read_csv(oc / "market_file.csv.gz")
money = pd.read_csv(oc / "market_money.csv.gz")
minutes = pd.read_csv(oc / "market_time.csv.gz")
profit = pd.read_csv(oc / "money.csv.gz", sep=";", decimal=",")
market["Тип сервиса"] = market["Тип сервиса"].replace("стандартт", "стандарт")
minutes["Период"] = minutes["Период"].replace("предыдцщий_месяц", "предыдущий_месяц")
periods3 = ["препредыдущий_месяц", "предыдущий_месяц", "текущий_месяц"]
periods2 = ["предыдущий_месяц", "текущий_месяц"]
revenue = money.pivot(index="id", columns="Период", values="Выручка")[periods3]
revenue.columns = [f"Выручка_{p}" for p in periods3]
time_spent = minutes.pivot(index="id", columns="Период", values="минут")[periods2]
time_spent.columns = [f"минут_{p}" for p in periods2]
table = market.merge(revenue, left_on="id", right_index=True).merge(time_spent, left_on="id", right_index=True)
table = table.merge(profit, on="id").sort_values("id").reset_index(drop=True)
table = table[(table[list(revenue.columns)] > 0).all(axis=1)].reset_index(drop=True)
numeric = ["Маркет_актив_6_мес", "Маркет_актив_тек_мес", "Длительность", "Акционные_покупки",
           "Средний_просмотр_категорий_за_визит", "Неоплаченные_продукты_штук_квартал", "Ошибка_сервиса",
           "Страниц_за_визит", *revenue.columns, *time_spent.columns, "Прибыль"]
oc_names = list(numeric)
oc_x = table[numeric].astype(float)
for column in ["Тип сервиса", "Разрешить сообщать", "Популярная_категория"]:
    for value in sorted(table[column].unique()):
        name = f"{column}={value}"
        oc_x[name] = (table[column] == value).astype(float)
        oc_names.append(name)
oc_x = oc_x.to_numpy()
oc_y = (table["Покупательская активность"] == "Снизилась").to_numpy(dtype=float)
oc_hold = (table["id"] % 4 == 0).to_numpy()
params_oc = {"objective": "binary:logistic", "max_depth": 3, "eta": 0.1}
booster = train(params_oc, oc_x[~oc_hold], oc_y[~oc_hold], 100)
p_oc = predict(booster, oc_x[oc_hold])

# Early stopping on the holdout: logloss per round, stop after 10 rounds without improvement.
params_es = {"objective": "binary:logistic", "max_depth": 4, "eta": 0.3, "eval_metric": "logloss"}
d_train = xgb.DMatrix(oc_x[~oc_hold], label=oc_y[~oc_hold])
d_valid = xgb.DMatrix(oc_x[oc_hold], label=oc_y[oc_hold])
history = {}
booster_es = xgb.train({"tree_method": "hist", "max_bin": 256, "nthread": 1, **params_es}, d_train, 500,
                       evals=[(d_valid, "valid")], early_stopping_rounds=10, evals_result=history, verbose_eval=False)

# Regression on the same table: profit from everything else (exact sketch → equal predictions).
target_j = oc_names.index("Прибыль")
features_r = [j for j in range(len(oc_names)) if j != target_j]
params_ocr = {"objective": "reg:squarederror", "max_depth": 3, "eta": 0.2, "base_score": 0.5}
booster_r = train(params_ocr, oc_x[~oc_hold][:, features_r], oc_x[~oc_hold, target_j], 60)
pr_oc = predict(booster_r, oc_x[oc_hold][:, features_r])

one_click = {
    "featureNames": oc_names,
    "rows": int(len(table)),
    "ids": [int(v) for v in table["id"]],
    "checksums": checksums(oc_x),
    "binary": {
        "xgboostParams": params_oc, "rounds": 100,
        "patronOptions": {"objective": "binary:logistic", "maxDepth": 3, "learningRate": 0.1, "nEstimators": 100},
        "auc": float(roc_auc_score(oc_y[oc_hold], p_oc)),
        "proba": lst(p_oc, 8),
    },
    "earlyStopping": {
        "xgboostParams": params_es, "rounds": 500, "earlyStoppingRounds": 10,
        "patronOptions": {"objective": "binary:logistic", "maxDepth": 4, "learningRate": 0.3, "nEstimators": 500,
                          "earlyStoppingRounds": 10},
        "bestIteration": int(booster_es.best_iteration),
        "validLogloss": lst(history["valid"]["logloss"], 8),
    },
    "regression": {
        "target": "Прибыль",
        "xgboostParams": params_ocr, "rounds": 60,
        "patronOptions": {"objective": "reg:squarederror", "maxDepth": 3, "learningRate": 0.2, "nEstimators": 60,
                          "baseScore": 0.5},
        "rmse": float(np.sqrt(mean_squared_error(oc_x[oc_hold, target_j], pr_oc))),
        "prediction": lst(pr_oc, 7),
    },
}

out = {
    "generator": "scripts/reference/gbdt_datasets.py",
    "versions": {"xgboost": xgb.__version__, "sklearn": sklearn.__version__, "pandas": pd.__version__,
                 "numpy": np.__version__, "python": platform.python_version()},
    "synthetic": synthetic,
    "hillstrom": hillstrom,
    "oneClick": one_click,
}
path = OUT / "gbdt_datasets.json"
path.write_text(json.dumps(out, ensure_ascii=False, separators=(",", ":")) + "\n")
for f in [path, OUT / "gbdt_synthetic.csv.gz"]:
    print(f"wrote {f} ({f.stat().st_size} bytes)", file=sys.stderr)
print(f"AUC synthetic {synthetic['binary']['auc']:.5f} hillstrom {hillstrom['binary']['auc']:.5f} "
      f"one-click {one_click['binary']['auc']:.5f}; ES best {one_click['earlyStopping']['bestIteration']}; "
      f"rows one-click {one_click['rows']}", file=sys.stderr)
