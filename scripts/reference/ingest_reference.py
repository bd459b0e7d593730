"""Reference facts for the five presets, computed with pandas straight from the bundled copies
in data/ (independently of Patron's ingest), for test/ingest/presets.test.ts.
Online Retail: the Insiders seed's cleaning rules, counted per rule in Patron's order (a row
counts under the first rule that drops it).
Run with Debian's python: /usr/bin/python3 scripts/reference/ingest_reference.py
Writes test/reference/ingest.json.
"""
import glob
import json
import os
import re

import pandas as pd

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
DATA = os.path.join(ROOT, "data")


def online_retail():
    files = sorted(glob.glob(os.path.join(DATA, "online-retail/by-day/*.csv.gz")))
    text = {"InvoiceNo": str, "StockCode": str, "CustomerID": str, "Description": str}
    df = pd.concat([pd.read_csv(f, dtype=text, keep_default_na=False, na_values=[""]) for f in files], ignore_index=True)
    excluded = ["POST", "D", "DOT", "M", "S", "AMAZONFEE", "m", "DCGSSBOY", "DCGSSGIRL", "PADS", "B", "CRUK", "C2"]
    rules = [
        ("unit_price_below_0_04", df["UnitPrice"] < 0.04),
        ("stock_code_excluded", df["StockCode"].isin(excluded)),
        ("stock_code_non_numeric", df["StockCode"].map(lambda s: re.fullmatch(r"[^0-9]+", s) is not None)),
        ("country_excluded", df["Country"].isin(["European Community", "Unspecified"])),
    ]
    remaining = pd.Series(True, index=df.index)
    filtered = {}
    for name, mask in rules:
        filtered[name] = int((remaining & mask).sum())
        remaining &= ~mask
    kept = df[remaining]
    customer = kept["CustomerID"].str.replace(r"\.0$", "", regex=True)
    return {
        "files": len(files),
        "rows_read": len(df),
        "loaded": int(remaining.sum()),
        "filtered": filtered,
        "anonymous_lines": int(customer.isna().sum()),
        "customers": int(customer.nunique()),
        "products": int(kept["StockCode"].nunique()),
        "returns": int((kept["Quantity"] < 0).sum()),
        "cancellation_lines": int(kept["InvoiceNo"].str.startswith("C").sum()),
        "amount_sum": round(float((kept["Quantity"] * kept["UnitPrice"]).sum()), 2),
    }


def hillstrom():
    df = pd.read_csv(os.path.join(DATA, "hillstrom/hillstrom.csv.gz"))
    first = df.iloc[0]
    return {
        "rows": len(df),
        "arms": {k: int(v) for k, v in df["segment"].value_counts().sort_index().items()},
        "visits": int(df["visit"].sum()),
        "conversions": int(df["conversion"].sum()),
        "spend_sum": round(float(df["spend"].sum()), 2),
        "row_0": {"recency": int(first["recency"]), "history": float(first["history"]), "zip_code": first["zip_code"],
                  "channel": first["channel"], "arm": first["segment"]},
        "row_63999_history": float(df.iloc[63999]["history"]),
    }


def cdnow():
    df = pd.read_csv(os.path.join(DATA, "cdnow/CDNOW_sample.txt.gz"), sep=r"\s+", header=None,
                     names=["customer", "sample", "date", "cds", "dollars"], dtype={"customer": str, "sample": str, "date": str})
    return {
        "rows": len(df),
        "customers": int(df["customer"].nunique()),
        "cds": int(df["cds"].sum()),
        "dollars": round(float(df["dollars"].sum()), 2),
        "first_customer": df["customer"].iloc[0],
        "repeat_day_lines": int(df.duplicated(["customer", "date"]).sum()),
    }


def one_click():
    f = pd.read_csv(os.path.join(DATA, "one-click/market_file.csv.gz"))
    money = pd.read_csv(os.path.join(DATA, "one-click/market_money.csv.gz"))
    time = pd.read_csv(os.path.join(DATA, "one-click/market_time.csv.gz"))
    profit = pd.read_csv(os.path.join(DATA, "one-click/money.csv.gz"), sep=";", decimal=",")
    periods = {"текущий_месяц": "current_month", "предыдущий_месяц": "month_minus_1", "предыдцщий_месяц": "month_minus_1",
               "препредыдущий_месяц": "month_minus_2"}
    return {
        "customers": len(f),
        "purchase_activity": {k: int(v) for k, v in f["Покупательская активность"].value_counts().sort_index().items()},
        "service_type_typo": int((f["Тип сервиса"] == "стандартт").sum()),
        "revenue": {periods[k]: round(float(v), 2) for k, v in money.groupby("Период")["Выручка"].sum().items()},
        "minutes": {periods[k]: int(v) for k, v in time.groupby("Период")["минут"].sum().items()},
        "profit_sum": round(float(profit["Прибыль"].sum()), 2),
    }


def ium():
    s = pd.read_json(os.path.join(DATA, "ium/sessions.jsonl.gz"), lines=True)
    return {
        "events": len(s),
        "event_types": {k: int(v) for k, v in s["event_type"].value_counts().sort_index().items()},
        "sessions": int(s["session_id"].nunique()),
        "discount_sum": float(s["offered_discount"].sum()),
        "users": len(pd.read_json(os.path.join(DATA, "ium/users.jsonl.gz"), lines=True)),
        "products": len(pd.read_json(os.path.join(DATA, "ium/products.jsonl.gz"), lines=True)),
        "deliveries": len(pd.read_json(os.path.join(DATA, "ium/deliveries.jsonl.gz"), lines=True)),
    }


out = {
    "generator": "scripts/reference/ingest_reference.py",
    "versions": {"pandas": pd.__version__},
    "online-retail": online_retail(),
    "hillstrom": hillstrom(),
    "cdnow": cdnow(),
    "one-click": one_click(),
    "ium": ium(),
}
with open(os.path.join(ROOT, "test/reference/ingest.json"), "w") as f:
    json.dump(out, f, indent=2, ensure_ascii=False)
    f.write("\n")
print(json.dumps(out, ensure_ascii=False))
