import type { Figure } from './figure';

/**
 * Figure builders for evaluation: each takes plain arrays (x labels as ISO strings) so any
 * model's results, the CLI report and notebooks share them.
 */

const MARGIN = { t: 40, l: 60, r: 20, b: 40 };

/** Strategy equity against buy and hold, with the strategy's drawdown in a lower panel. */
export function equityChart(x: readonly string[], equity: ArrayLike<number>, buyHold: ArrayLike<number>, title = 'Equity vs buy and hold'): Figure {
  const eq = Array.from(equity);
  let peak = -Infinity;
  const dd = eq.map((v) => {
    peak = Math.max(peak, v);
    return (v / peak - 1) * 100;
  });
  return {
    data: [
      { type: 'scatter', mode: 'lines', name: 'strategy', x, y: eq, yaxis: 'y' },
      { type: 'scatter', mode: 'lines', name: 'buy & hold', x, y: Array.from(buyHold), yaxis: 'y', line: { dash: 'dot' } },
      { type: 'scatter', mode: 'lines', name: 'drawdown %', x, y: dd, yaxis: 'y2', fill: 'tozeroy', line: { color: 'firebrick' } },
    ],
    layout: { title: { text: title }, yaxis: { domain: [0.3, 1], title: { text: 'equity' } }, yaxis2: { domain: [0, 0.22], title: { text: 'drawdown %' } }, margin: MARGIN },
  };
}

/** Per-epoch curves from a training history (`{ loss: [...], val_loss: [...] }`). */
export function trainingCurves(history: Readonly<Record<string, readonly number[]>>, title = 'Training curves'): Figure {
  return {
    data: Object.entries(history).map(([name, ys]) => ({ type: 'scatter', mode: 'lines+markers', name, x: ys.map((_, i) => i + 1), y: Array.from(ys) })),
    layout: { title: { text: title }, xaxis: { title: { text: 'epoch' } }, yaxis: { title: { text: 'value' } }, margin: MARGIN },
  };
}

/** Confusion matrix heatmap; `matrix[i][j]` counts true class i predicted as j. */
export function confusionChart(matrix: readonly (readonly number[])[], classes: readonly string[], title = 'Confusion matrix'): Figure {
  return {
    data: [{ type: 'heatmap', z: matrix.map((r) => Array.from(r)), x: classes.map((c) => `pred ${c}`), y: classes.map((c) => `true ${c}`), colorscale: 'Blues', text: matrix.map((r) => r.map(String)), texttemplate: '%{text}' }],
    layout: { title: { text: title }, yaxis: { autorange: 'reversed' }, margin: MARGIN },
  };
}

/**
 * Reliability diagram: mean predicted probability against observed frequency in `bins`
 * equal-width bins, with the diagonal of perfect calibration.
 */
export function calibrationChart(probabilities: ArrayLike<number>, outcomes: ArrayLike<number>, bins = 10, title = 'Calibration'): Figure {
  const sumP = new Float64Array(bins);
  const sumY = new Float64Array(bins);
  const count = new Float64Array(bins);
  for (let i = 0; i < probabilities.length; i++) {
    const b = Math.min(bins - 1, Math.floor(probabilities[i] * bins));
    sumP[b] += probabilities[i];
    sumY[b] += outcomes[i];
    count[b]++;
  }
  const x: number[] = [];
  const y: number[] = [];
  const n: number[] = [];
  for (let b = 0; b < bins; b++) {
    if (count[b] === 0) continue;
    x.push(sumP[b] / count[b]);
    y.push(sumY[b] / count[b]);
    n.push(count[b]);
  }
  return {
    data: [
      { type: 'scatter', mode: 'lines', name: 'perfect', x: [0, 1], y: [0, 1], line: { dash: 'dash', color: 'gray' } },
      { type: 'scatter', mode: 'lines+markers', name: 'model', x, y, text: n.map((c) => `${c} samples`) },
    ],
    layout: { title: { text: title }, xaxis: { title: { text: 'mean predicted probability' }, range: [0, 1] }, yaxis: { title: { text: 'observed frequency' }, range: [0, 1] }, margin: MARGIN },
  };
}

/** Horizontal bars of feature importance, largest on top (at most `top` features). */
export function importanceChart(importance: Readonly<Record<string, number>>, title = 'Feature importance', top = 30): Figure {
  const rows = Object.entries(importance).sort((a, b) => b[1] - a[1]).slice(0, top).reverse();
  return {
    data: [{ type: 'bar', orientation: 'h', x: rows.map((r) => r[1]), y: rows.map((r) => r[0]) }],
    layout: { title: { text: title }, margin: { ...MARGIN, l: 160 }, height: Math.max(300, 22 * rows.length + 80) },
  };
}

/** One segment of a split timeline: a named role (train/validation/test/embargo) over a date range in a fold. */
export interface TimelineSegment {
  readonly fold: string;
  readonly role: string;
  readonly start: string;
  readonly end: string;
}

const ROLE_COLORS: Record<string, string> = { train: '#1f77b4', validation: '#ff7f0e', test: '#2ca02c', embargo: '#d62728', purged: '#7f7f7f' };

/** Gantt-style timeline of folds: one row per fold, one bar per segment. */
export function foldTimeline(segments: readonly TimelineSegment[], title = 'Folds'): Figure {
  const roles = [...new Set(segments.map((s) => s.role))];
  return {
    data: roles.map((role) => {
      const segs = segments.filter((s) => s.role === role);
      return {
        type: 'bar',
        orientation: 'h',
        name: role,
        y: segs.map((s) => s.fold),
        base: segs.map((s) => s.start),
        x: segs.map((s) => Date.parse(s.end) - Date.parse(s.start)),
        marker: { color: ROLE_COLORS[role] },
        hovertemplate: segs.map((s) => `${role}: ${s.start} to ${s.end}<extra></extra>`),
      };
    }),
    layout: { title: { text: title }, barmode: 'overlay', xaxis: { type: 'date' }, yaxis: { autorange: 'reversed' }, margin: MARGIN },
  };
}

/** Candlesticks with long/short entry markers (signals at the bars where positions change). */
export function signalChart(
  x: readonly string[],
  ohlc: { open: ArrayLike<number>; high: ArrayLike<number>; low: ArrayLike<number>; close: ArrayLike<number> },
  position: ArrayLike<number>,
  title = 'Signals',
): Figure {
  const longs: number[] = [];
  const shorts: number[] = [];
  const exits: number[] = [];
  for (let i = 0; i < position.length; i++) {
    const prev = i === 0 ? 0 : position[i - 1];
    if (position[i] === prev) continue;
    if (position[i] > 0) longs.push(i);
    else if (position[i] < 0) shorts.push(i);
    else exits.push(i);
  }
  const marker = (idx: number[], name: string, symbol: string, color: string, at: ArrayLike<number>) => ({
    type: 'scatter',
    mode: 'markers',
    name,
    x: idx.map((i) => x[i]),
    y: idx.map((i) => at[i]),
    marker: { symbol, size: 9, color },
  });
  return {
    data: [
      { type: 'candlestick', name: 'price', x, open: Array.from(ohlc.open), high: Array.from(ohlc.high), low: Array.from(ohlc.low), close: Array.from(ohlc.close) },
      marker(longs, 'long', 'triangle-up', 'green', ohlc.low),
      marker(shorts, 'short', 'triangle-down', 'red', ohlc.high),
      marker(exits, 'flat', 'x', 'gray', ohlc.close),
    ],
    layout: { title: { text: title }, xaxis: { rangeslider: { visible: false } }, margin: MARGIN },
  };
}
