"""The IUM facts the offers job must reproduce, computed independently with pandas / SciPy /
scikit-learn / XGBoost from the bundled JSON Lines (data/ium/*.jsonl.gz):

- the session table: one row per session with a product view; decision point = the session's
  last view (ties: the later event in the file); the offered discount and the product of that
  view; bought = the session has a BUY event; features counted from the same user's events
  strictly before the decision point — views of this product, views of this product's category
  (category = the full category_path), views of this category earlier in this session, purchases,
  purchases with a discount > 0, purchases in this category — and the product's price;
- purchase rate per discount level and Pearson's chi-square test of independence
  (scipy.stats.chi2_contingency, no continuity correction for a 5 x 2 table);
- the time split the job uses (sessions ordered by decision point, then session id; first 70 %
  to learn, last 30 % to test) and the test ROC-AUC of purchase predicted from the pre-session
  features and the offered discount by XGBClassifier and LogisticRegression.

Run with Debian's interpreter:  /usr/bin/python3 scripts/reference/offers_ium.py
Writes test/reference/offers_ium.json.gz.
"""
import gzip
import json
import os
import sys

import numpy as np
import pandas as pd
import scipy
import sklearn
import xgboost
from scipy.stats import chi2_contingency
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
DATA = os.path.join(ROOT, "data", "ium")
OUT = os.path.join(ROOT, "test", "reference", "offers_ium.json.gz")
LEVELS = [0, 5, 10, 15, 20]
FEATURES = ["product_views", "category_views", "session_category_views", "past_purchases", "past_discount_purchases",
            "category_purchases", "price"]


def read(name):
    return pd.read_json(os.path.join(DATA, f"{name}.jsonl.gz"), lines=True, compression="gzip")


def session_table():
    events = read("sessions")
    products = read("products")[["product_id", "category_path", "price"]]
    events["ts"] = pd.to_datetime(events["timestamp"], format="ISO8601")
    events["order"] = np.arange(len(events))  # file order breaks timestamp ties
    events = events.merge(products.rename(columns={"category_path": "category"}), on="product_id", how="left")
    views = events[events["event_type"] == "VIEW_PRODUCT"]
    last = views.sort_values(["session_id", "ts", "order"], kind="mergesort").groupby("session_id").tail(1)
    sessions = last[["session_id", "user_id", "product_id", "offered_discount", "ts", "category", "price"]].rename(
        columns={"ts": "decision", "offered_discount": "discount"})
    bought = events[events["event_type"] == "BUY_PRODUCT"].groupby("session_id").size().rename("n_buys")
    sessions = sessions.merge(bought, on="session_id", how="left")
    sessions["bought"] = (sessions["n_buys"].fillna(0) > 0).astype(int)
    # Each session against every earlier event of its user.
    history = events[events["event_type"].isin(["VIEW_PRODUCT", "BUY_PRODUCT"])][
        ["user_id", "session_id", "product_id", "event_type", "offered_discount", "ts", "category"]]
    pairs = sessions[["session_id", "user_id", "product_id", "decision", "category"]].merge(
        history, on="user_id", suffixes=("", "_h"))
    pairs = pairs[pairs["ts"] < pairs["decision"]]
    view = pairs["event_type"] == "VIEW_PRODUCT"
    buy = pairs["event_type"] == "BUY_PRODUCT"
    same_category = pairs["category_h"].notna() & (pairs["category_h"] == pairs["category"])
    counts = pd.DataFrame({
        "session_id": pairs["session_id"],
        "product_views": (view & (pairs["product_id_h"] == pairs["product_id"])).astype(int),
        "category_views": (view & same_category).astype(int),
        "session_category_views": (view & same_category & (pairs["session_id_h"] == pairs["session_id"])).astype(int),
        "past_purchases": buy.astype(int),
        "past_discount_purchases": (buy & (pairs["offered_discount"] > 0)).astype(int),
        "category_purchases": (buy & same_category).astype(int),
    }).groupby("session_id").sum()
    sessions = sessions.merge(counts, on="session_id", how="left").fillna({c: 0 for c in FEATURES if c != "price"})
    for c in FEATURES:
        sessions[c] = sessions[c].astype(float)
    return sessions.sort_values("session_id").reset_index(drop=True)


def main():
    s = session_table()
    rates = []
    table = []
    for level in LEVELS:
        part = s[s["discount"] == level]
        rates.append({"level": level, "sessions": int(len(part)), "bought": int(part["bought"].sum()), "rate": float(part["bought"].mean())})
        table.append([int(part["bought"].sum()), int(len(part) - part["bought"].sum())])
    chi2, p, dof, _ = chi2_contingency(np.array(table), correction=False)

    order = s.sort_values(["decision", "session_id"], kind="mergesort").index.to_numpy()
    n_learn = int(np.floor(len(s) * 0.7))
    learn, test = s.loc[order[:n_learn]], s.loc[order[n_learn:]]
    cols = FEATURES + ["discount"]
    xgb = xgboost.XGBClassifier(max_depth=4, n_estimators=100, learning_rate=0.1, random_state=0, n_jobs=1)
    xgb.fit(learn[cols], learn["bought"])
    logit = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(learn[cols], learn["bought"])
    auc = {
        "xgboost": float(roc_auc_score(test["bought"], xgb.predict_proba(test[cols])[:, 1])),
        "logistic": float(roc_auc_score(test["bought"], logit.predict_proba(test[cols])[:, 1])),
    }
    print(f"{len(s)} sessions; rates {[round(r['rate'], 4) for r in rates]}; chi2 {chi2:.4f} p {p:.4f}; ROC-AUC {auc}")
    doc = {
        "generator": "scripts/reference/offers_ium.py",
        "versions": {"python": sys.version.split()[0], "numpy": np.__version__, "pandas": pd.__version__, "scipy": scipy.__version__,
                     "scikit-learn": sklearn.__version__, "xgboost": xgboost.__version__},
        "n_sessions": int(len(s)),
        "rates": rates,
        "chi_square": {"statistic": float(chi2), "p_value": float(p), "dof": int(dof)},
        "split": {"n_learn": n_learn, "n_test": int(len(test)), "test_from": str(test["decision"].min())},
        "roc_auc": auc,
        "sessions": {
            "session_id": [str(v) for v in s["session_id"]],
            "discount": [float(v) for v in s["discount"]],
            "bought": [int(v) for v in s["bought"]],
            **{c: [float(v) for v in s[c]] for c in FEATURES},
        },
    }
    with gzip.open(OUT, "wt") as f:
        json.dump(doc, f, separators=(",", ":"), allow_nan=False)
    print(f"wrote {OUT}: {os.path.getsize(OUT)} bytes")


if __name__ == "__main__":
    main()
