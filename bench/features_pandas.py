"""pandas reference for stocklab's feature presets (`technical`, `alpha158`, `cross_section`).

Written from the definitions (Qlib's Alpha158DL expressions, TA-Lib's conventions, the
formulas in src/features/*.ts), with pandas' own rolling operators, not from the polars
expressions, so the two implementations check each other. One thread, as pandas runs.

    python3 bench/features_pandas.py bench BARS.json PRESET [PRESET ...]
        times each preset on the bars that bench/features.ts wrote (BARS.json + BARS.bin)
        and prints one JSON line per preset: {"preset", "seconds", "rows", "features"}.

test/fixtures/features/make_alpha158_fixture.py imports `compute` to build the fixture that
test/features-alpha158.test.ts checks the polars expressions against.
"""
import json
import sys
import time

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

WINDOWS = [5, 10, 20, 30, 60]


def ratio(num, den):
    """num / den, NaN where den is 0 (the kit's convention: no infinities)."""
    den = np.asarray(den, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.asarray(num, dtype=float) / den
    out[den == 0] = np.nan
    return out


def constant(x, d):
    """True where the last d values of x are all equal (exact test, no sliding-sum residue)."""
    r = x.rolling(d)
    return (r.max() == r.min()).to_numpy()


def masked_where(values, mask):
    out = np.asarray(values, dtype=float).copy()
    out[mask] = np.nan
    return out


def arg_extreme(x, d, which):
    """1-based position, oldest first, of the first max/min among the last d values (Qlib IdxMax/IdxMin)."""
    out = np.full(len(x), np.nan)
    if len(x) >= d:
        view = sliding_window_view(x, d)
        out[d - 1:] = (view.argmax(axis=1) if which == "max" else view.argmin(axis=1)) + 1
    return out


def alpha158(g):
    """Alpha158 features of one symbol's bars (columns open, high, low, close, volume)."""
    o, h, l, c, v = (g[k] for k in ("open", "high", "low", "close", "volume"))
    f = {}
    rng = (h - l).to_numpy()
    f["kmid"] = ((c - o) / o).to_numpy()
    f["klen"] = ((h - l) / o).to_numpy()
    f["kmid2"] = ratio(c - o, rng)
    top = np.maximum(o, c)
    bottom = np.minimum(o, c)
    f["kup"] = ((h - top) / o).to_numpy()
    f["kup2"] = ratio(h - top, rng)
    f["klow"] = ((bottom - l) / o).to_numpy()
    f["klow2"] = ratio(bottom - l, rng)
    f["ksft"] = ((2 * c - h - l) / o).to_numpy()
    f["ksft2"] = ratio(2 * c - h - l, rng)
    f["open0"] = (o / c).to_numpy()
    f["high0"] = (h / c).to_numpy()
    f["low0"] = (l / c).to_numpy()
    f["typ0"] = ((h + l + c) / 3 / c).to_numpy()

    t = pd.Series(np.arange(len(c), dtype=float), index=c.index)
    logv = np.log(v + 1)
    cr = c / c.shift(1)
    vr = pd.Series(ratio(v, v.shift(1)), index=c.index)
    logvr = np.log(vr + 1)
    dc = c - c.shift(1)
    dv = v - v.shift(1)
    wv = (c / c.shift(1) - 1).abs() * v
    cols = {}
    for d in WINDOWS:
        r = c.rolling(d)
        mean = r.mean()
        still = constant(c, d)
        cols[f"roc_{d}"] = (c.shift(d) / c).to_numpy()
        cols[f"ma_{d}"] = (mean / c).to_numpy()
        cols[f"std_{d}"] = (r.std() / c).to_numpy()
        slope = c.rolling(d).cov(t) / t.rolling(d).var()
        cols[f"beta_{d}"] = (slope / c).to_numpy()
        cols[f"rsqr_{d}"] = masked_where(c.rolling(d).corr(t) ** 2, still)
        intercept = mean - slope * t.rolling(d).mean()
        cols[f"resi_{d}"] = ((c - (intercept + slope * t)) / c).to_numpy()
        hi = h.rolling(d).max()
        lo = l.rolling(d).min()
        cols[f"max_{d}"] = (hi / c).to_numpy()
        cols[f"min_{d}"] = (lo / c).to_numpy()
        cols[f"qtlu_{d}"] = (r.quantile(0.8) / c).to_numpy()
        cols[f"qtld_{d}"] = (r.quantile(0.2) / c).to_numpy()
        cols[f"rank_{d}"] = r.rank(pct=True).to_numpy()
        cols[f"rsv_{d}"] = ratio(c - lo, hi - lo)
        imax = arg_extreme(h.to_numpy(), d, "max")
        imin = arg_extreme(l.to_numpy(), d, "min")
        cols[f"imax_{d}"] = imax / d
        cols[f"imin_{d}"] = imin / d
        cols[f"imxd_{d}"] = (imax - imin) / d
        cols[f"corr_{d}"] = masked_where(c.rolling(d).corr(logv), still | constant(logv, d))
        cols[f"cord_{d}"] = masked_where(cr.rolling(d).corr(logvr), constant(cr, d) | constant(logvr, d))
        up = (c > c.shift(1)).astype(float)
        down = (c < c.shift(1)).astype(float)
        cols[f"cntp_{d}"] = up.rolling(d).mean().to_numpy()
        cols[f"cntn_{d}"] = down.rolling(d).mean().to_numpy()
        cols[f"cntd_{d}"] = cols[f"cntp_{d}"] - cols[f"cntn_{d}"]
        for prefix, x in (("", dc), ("v", dv)):
            gain = x.clip(lower=0).rolling(d).sum()
            loss = (-x).clip(lower=0).rolling(d).sum()
            total = masked_where(x.abs().rolling(d).sum(), (x.abs().rolling(d).max() == 0).to_numpy())
            cols[f"{prefix}sump_{d}"] = (gain / total).to_numpy()
            cols[f"{prefix}sumn_{d}"] = (loss / total).to_numpy()
            cols[f"{prefix}sumd_{d}"] = ((gain - loss) / total).to_numpy()
        cols[f"vma_{d}"] = ratio(v.rolling(d).mean(), v)
        cols[f"vstd_{d}"] = ratio(v.rolling(d).std(), v)
        cols[f"wvma_{d}"] = ratio(wv.rolling(d).std(), wv.rolling(d).mean())
    families = ["roc", "ma", "std", "beta", "rsqr", "resi", "max", "min", "qtlu", "qtld", "rank", "rsv", "imax", "imin", "imxd",
                "corr", "cord", "cntp", "cntn", "cntd", "sump", "sumn", "sumd", "vma", "vstd", "wvma", "vsump", "vsumn", "vsumd"]
    # Bars before a full window (of bars, or of bar-to-bar changes) are missing.
    changes = {"roc", "cord", "cntp", "cntn", "cntd", "sump", "sumn", "sumd", "wvma", "vsump", "vsumn", "vsumd"}
    for fam in families:
        for d in WINDOWS:
            x = np.asarray(cols[f"{fam}_{d}"], dtype=float).copy()
            x[: d if fam in changes else d - 1] = np.nan
            f[f"{fam}_{d}"] = x
    return f


def seeded(x, alpha, window, seed):
    """TA-Lib smoothing: the mean of the `window` values ending at bar `seed`, then y += alpha (x - y)."""
    y = x.copy()
    if len(y) <= seed:
        return pd.Series(np.nan, index=x.index)
    y.iloc[:seed] = np.nan
    y.iloc[seed] = x.iloc[seed - window + 1: seed + 1].mean()
    return y.ewm(alpha=alpha, adjust=False).mean()


def technical(g):
    """The `technical` preset of one symbol's bars, TA-Lib conventions."""
    h, l, c, v = (g[k] for k in ("high", "low", "close", "volume"))
    f = {}
    f["logret_1"] = np.log(c / c.shift(1)).to_numpy()
    f["ret_5"] = (c / c.shift(5) - 1).to_numpy()
    f["ret_20"] = (c / c.shift(20) - 1).to_numpy()
    f["vol_chg_1"] = ratio(v, v.shift(1)) - 1
    f["hl_spread"] = ((h - l) / c).to_numpy()
    f["close_pos"] = ratio(c - l, h - l)
    sma20 = c.rolling(20).mean()
    f["sma_ratio_20"] = (c / sma20).to_numpy()
    f["ema_ratio_20"] = (c / seeded(c, 2 / 21, 20, 19)).to_numpy()
    dc = c.diff()
    gain = seeded(dc.clip(lower=0), 1 / 14, 14, 14)
    loss = seeded((-dc).clip(lower=0), 1 / 14, 14, 14)
    tot = gain + loss
    f["rsi_14"] = np.where(tot == 0, 0.0, 100 * gain / tot)
    line = seeded(c, 2 / 13, 12, 25) - seeded(c, 2 / 27, 26, 25)
    signal = seeded(line, 2 / 10, 9, 33)
    line_out = line.copy()
    line_out.iloc[:33] = np.nan
    f["macd_12_26_9"] = line_out.to_numpy()
    f["macd_signal_12_26_9"] = signal.to_numpy()
    f["macd_hist_12_26_9"] = (line_out - signal).to_numpy()
    sd = c.rolling(20).std(ddof=0)
    upper, lower = sma20 + 2 * sd, sma20 - 2 * sd
    f["bb_pctb_20_2"] = ratio(c - lower, upper - lower)
    f["bb_width_20_2"] = ((upper - lower) / sma20).to_numpy()
    pc = c.shift(1)
    tr = pd.concat([h - l, (h - pc).abs(), (l - pc).abs()], axis=1).max(axis=1)
    atr = seeded(tr, 1 / 14, 14, 14)
    f["atr_14"] = atr.to_numpy()
    f["natr_14"] = (100 * atr / c).to_numpy()
    lr = np.log(c / c.shift(1))
    f["volatility_20"] = lr.rolling(20).std().to_numpy()
    f["zscore_close_20"] = ratio(c - sma20, sd)
    f["zscore_volume_20"] = ratio(v - v.rolling(20).mean(), v.rolling(20).std(ddof=0))
    f["dow"] = g["date"].dt.dayofweek.to_numpy().astype(float)
    return f


def per_symbol(df, fn):
    """fn over each symbol's rows (rows grouped by symbol, ascending in time), stacked back in row order."""
    parts = [fn(g.reset_index(drop=True)) for _, g in df.groupby("symbol", sort=False)]
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def cross_section(df):
    """The `cross_section` preset over the whole panel: columns symbol, date, close."""
    out = {}
    bar = df.groupby("symbol", sort=False).cumcount()
    rets = {}
    for n in (1, 5):
        r = df.groupby("symbol", sort=False)["close"].transform(lambda c: c / c.shift(n) - 1)
        r[bar < n] = np.nan
        rets[n] = r
        by_date = r.groupby(df["date"])
        out[f"cs_rank_ret_{n}"] = by_date.rank(pct=True).to_numpy()
        mean = by_date.transform("mean")
        out[f"cs_zscore_ret_{n}"] = ratio(r - mean, by_date.transform("std"))
        out[f"mkt_rel_ret_{n}"] = (r - mean).to_numpy()
    r = rets[1]
    m = r.groupby(df["date"]).transform("mean")
    panel = pd.DataFrame({"symbol": df["symbol"], "r": r, "m": m})

    def beta(g):
        cov = g["r"].rolling(60).cov(g["m"], ddof=0)
        var = g["m"].rolling(60).var(ddof=0)
        return pd.Series(masked_where(cov / var, constant(g["m"], 60)), index=g.index)

    b = pd.concat([beta(g) for _, g in panel.groupby("symbol", sort=False)]).reindex(df.index)
    b[bar < 60] = np.nan
    out["mkt_beta_60"] = b.to_numpy()
    return out


def compute(df, preset):
    """Feature columns of `preset` for bars `df` (symbol, date, open, high, low, close, volume), by name."""
    if preset == "alpha158":
        return per_symbol(df, alpha158)
    if preset == "technical":
        return per_symbol(df, technical)
    if preset == "cross_section":
        return cross_section(df)
    raise SystemExit(f"unknown preset {preset}")


def read_bench_bars(header_path):
    """The bars bench/features.ts wrote: a JSON header and little-endian float64 columns."""
    with open(header_path) as fh:
        header = json.load(fh)
    rows = header["rows"]
    raw = np.fromfile(header_path[: -len(".json")] + ".bin", dtype="<f8").reshape(len(header["columns"]), rows)
    df = pd.DataFrame({name: raw[i] for i, name in enumerate(header["columns"])})
    df.insert(0, "symbol", np.repeat(header["symbols"], header["lengths"]))
    df["date"] = pd.to_datetime(df.pop("timestamp"), unit="ms")
    return df


def main(argv):
    if len(argv) < 3 or argv[0] != "bench":
        raise SystemExit(__doc__)
    df = read_bench_bars(argv[1])
    for preset in argv[2:]:
        t0 = time.perf_counter()
        cols = compute(df, preset)
        # The same end product as ours: a row-major float32 matrix.
        matrix = np.ascontiguousarray(np.column_stack(list(cols.values())), dtype=np.float32)
        seconds = time.perf_counter() - t0
        print(json.dumps({"preset": preset, "seconds": seconds, "rows": matrix.shape[0], "features": matrix.shape[1]}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
