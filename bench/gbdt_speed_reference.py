"""Speed reference for bench/gbdt.ts --speed: XGBoost `hist` or LightGBM on the same matrices.

Usage: python3 bench/gbdt_speed_reference.py DIR xgboost|lightgbm
DIR holds speed.json (cases: name, rows, features, validRows, trees, depth, eta, threads) and
<name>.{train,valid}.{x,y}.f32 written by bench/gbdt.ts. For every case and thread count it
trains a binary:logistic model of `trees` depth-`depth` trees (binning included in the time,
as ours), and writes DIR/speed.<lib>.json with wall and CPU seconds and the validation log loss.
XGBoost comes from Debian's python3-xgboost (/usr/bin/python3), LightGBM from /work/venv.
"""
import json
import os
import sys
import time

import numpy as np


def load(d, name, part, features):
    x = np.fromfile(os.path.join(d, f"{name}.{part}.x.f32"), dtype=np.float32).reshape(-1, features)
    y = np.fromfile(os.path.join(d, f"{name}.{part}.y.f32"), dtype=np.float32)
    return x, y


def logloss(p, y):
    p = np.clip(p.astype(np.float64), 1e-16, 1 - 1e-16)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def fit_xgboost(c, threads, xt, yt, xv):
    import xgboost as xgb
    dtrain = xgb.DMatrix(xt, label=yt, missing=np.nan, nthread=threads)
    params = {"tree_method": "hist", "nthread": threads, "objective": "binary:logistic", "max_depth": c["depth"],
              "eta": c["eta"], "max_bin": 256}
    start, cpu = time.perf_counter(), time.process_time()
    booster = xgb.train(params, dtrain, num_boost_round=c["trees"])
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return seconds, cpu, booster.predict(xgb.DMatrix(xv, missing=np.nan))


def fit_lightgbm(c, threads, xt, yt, xv):
    import lightgbm as lgb
    # Depth-6 trees of up to 64 leaves, XGBoost's regularisation defaults (lambda 1, min hessian 1).
    params = {"objective": "binary", "num_threads": threads, "max_depth": c["depth"], "num_leaves": 2 ** c["depth"],
              "learning_rate": c["eta"], "max_bin": 255, "lambda_l2": 1.0, "min_sum_hessian_in_leaf": 1.0,
              "min_data_in_leaf": 1, "verbose": -1, "deterministic": True}
    start, cpu = time.perf_counter(), time.process_time()
    booster = lgb.train(params, lgb.Dataset(xt, label=yt), num_boost_round=c["trees"])
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return seconds, cpu, booster.predict(xv)


def main(d, lib):
    fit = {"xgboost": fit_xgboost, "lightgbm": fit_lightgbm}[lib]
    out = {"library": lib, "cases": {}}
    for c in json.load(open(os.path.join(d, "speed.json")))["cases"]:
        xt, yt = load(d, c["name"], "train", c["features"])
        xv, yv = load(d, c["name"], "valid", c["features"])
        runs = {}
        for threads in c["threads"]:
            seconds, cpu, p = fit(c, threads, xt, yt, xv)
            runs[str(threads)] = {"seconds": seconds, "cpuSeconds": cpu, "validLogloss": logloss(p, yv)}
        out["cases"][c["name"]] = runs
    if lib == "xgboost":
        import xgboost
        out["version"] = xgboost.__version__
    else:
        import lightgbm
        out["version"] = lightgbm.__version__
    json.dump(out, open(os.path.join(d, f"speed.{lib}.json"), "w"))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
