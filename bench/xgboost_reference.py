"""XGBoost 1.7 reference for bench/gbdt.ts (measuring only; never a project dependency).

Usage: python3 bench/xgboost_reference.py DIR
DIR holds manifest.json and <name>.{train,valid}.{x,y}.f32 written by bench/gbdt.ts.
For every dataset it trains xgboost.train(tree_method=hist, nthread=1) with the manifest's
parameters, saves that model as <name>.xgb.json with its validation margins, and, where
bench/gbdt.ts saved our model as <name>.ours.json, predicts with ours.
Writes DIR/reference.json.
"""
import json
import os
import sys
import time

import numpy as np
import xgboost as xgb

PARAM_NAMES = {
    "learningRate": "eta", "maxDepth": "max_depth", "maxBin": "max_bin", "minChildWeight": "min_child_weight",
    "gamma": "gamma", "alpha": "alpha", "lambda": "lambda", "subsample": "subsample",
    "colsampleByTree": "colsample_bytree", "baseScore": "base_score", "seed": "seed",
}


def load(d, name, part, features):
    x = np.fromfile(os.path.join(d, f"{name}.{part}.x.f32"), dtype=np.float32).reshape(-1, features)
    y = np.fromfile(os.path.join(d, f"{name}.{part}.y.f32"), dtype=np.float32)
    return x, y


def final_metric(objective, pred, y):
    """The validation metric at full precision (evals_result keeps only printed digits)."""
    y = y.astype(np.float64)
    pred = pred.astype(np.float64)
    if objective == "reg:squarederror":
        return float(np.sqrt(np.mean((pred - y) ** 2)))
    if objective == "binary:logistic":
        p = np.clip(pred, 1e-16, 1 - 1e-16)
        return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
    p = np.clip(pred[np.arange(len(y)), y.astype(int)], 1e-16, None)
    return float(-np.mean(np.log(p)))


def main(d):
    manifest = json.load(open(os.path.join(d, "manifest.json")))
    out = {"xgboost": xgb.__version__, "datasets": {}}
    for ds in manifest["datasets"]:
        name, features, p = ds["name"], ds["features"], ds["params"]
        xt, yt = load(d, name, "train", features)
        xv, yv = load(d, name, "valid", features)
        params = {"tree_method": "hist", "nthread": 1, "objective": ds["objective"]}
        params.update({PARAM_NAMES[k]: v for k, v in p.items() if k in PARAM_NAMES})
        if ds["objective"] == "multi:softprob":
            params["num_class"] = ds["outputs"]
        dtrain = xgb.DMatrix(xt, label=yt, missing=np.nan)
        dvalid = xgb.DMatrix(xv, label=yv, missing=np.nan)
        seconds = cpu = float("inf")
        for _ in range(ds.get("repeats", 1)):  # the machine is shared: keep the fastest run
            history = {}
            start, start_cpu = time.perf_counter(), time.process_time()
            booster = xgb.train(params, dtrain, num_boost_round=p["nEstimators"], evals=[(dvalid, "valid")],
                                evals_result=history, verbose_eval=False)
            seconds = min(seconds, time.perf_counter() - start)
            cpu = min(cpu, time.process_time() - start_cpu)
        metric = list(history["valid"].keys())[0]
        entry = {"metric": metric, "valid": history["valid"][metric], "final": final_metric(ds["objective"], booster.predict(dvalid), yv),
                 "fitSeconds": seconds, "cpuSeconds": cpu}
        booster.save_model(os.path.join(d, f"{name}.xgb.json"))
        entry["xgboostMargins"] = booster.predict(dvalid, output_margin=True).ravel().tolist()
        ours = os.path.join(d, f"{name}.ours.json")
        if os.path.exists(ours):
            mine = xgb.Booster(model_file=ours)
            entry["oursPredictedByXgboost"] = mine.predict(dvalid, output_margin=True).ravel().tolist()
        out["datasets"][name] = entry
    # A small model for the import test fixture: binary dataset, 500 rows, 4 trees of depth 3.
    xt, yt = load(d, "binary", "train", 12)
    tiny = xgb.train({"tree_method": "hist", "nthread": 1, "objective": "binary:logistic", "max_depth": 3},
                     xgb.DMatrix(xt[:500], label=yt[:500], missing=np.nan), num_boost_round=4)
    tiny.save_model(os.path.join(d, "tiny.xgb.json"))
    xv, _ = load(d, "binary", "valid", 12)
    out["tiny"] = {"margins": tiny.predict(xgb.DMatrix(xv[:40], missing=np.nan), output_margin=True).tolist()}
    json.dump(out, open(os.path.join(d, "reference.json"), "w"))


if __name__ == "__main__":
    main(sys.argv[1])
