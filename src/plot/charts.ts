import { type Interval, formatTimestamp } from '../data/bars';
import type { TimelineBar } from '../split/describe';
import { pearson } from '../evaluate/moments';
import { type Figure, liveFigure } from './figure';

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

/** Lines over a shared x axis (e.g. predicted vs actual returns over time). */
export function lineChart(x: readonly (string | number)[], series: Readonly<Record<string, ArrayLike<number>>>, title: string): Figure {
  return {
    data: Object.entries(series).map(([name, y]) => ({ type: 'scatter', mode: 'lines', name, x: [...x], y: Array.from(y) })),
    layout: { title: { text: title }, margin: MARGIN },
  };
}

/**
 * An `onEpochEnd` callback that redraws the training curves in place in a notebook after
 * every epoch; the history it collects is returned too.
 */
export function liveTrainingCurves(title = 'Training curves'): { onEpochEnd: (epoch: number, logs: Readonly<Record<string, number>>) => void; history: Record<string, number[]> } {
  const history: Record<string, number[]> = {};
  const draw = liveFigure();
  return {
    history,
    onEpochEnd: (_epoch, logs) => {
      for (const [k, v] of Object.entries(logs)) (history[k] ??= []).push(v);
      draw(trainingCurves(history, title));
    },
  };
}

/**
 * Per-epoch curves from a training history (`{ loss: [...], val_loss: [...], mae: [...], lr: [...] }`).
 * Losses share the left axis; other metrics (mae, accuracy, ...) get a right axis of their own and
 * the learning rate a log-scale panel below, so neither flattens the loss curves.
 */
export function trainingCurves(history: Readonly<Record<string, readonly number[]>>, title = 'Training curves'): Figure {
  const entries = Object.entries(history);
  const hasLr = entries.some(([name]) => name === 'lr');
  const hasMetrics = entries.some(([name]) => name !== 'lr' && !/loss/.test(name));
  const axisOf = (name: string) => (name === 'lr' ? 'y3' : /loss/.test(name) ? 'y' : 'y2');
  const main = hasLr ? [0.3, 1] : [0, 1];
  return {
    data: entries.map(([name, ys]) => ({
      type: 'scatter',
      mode: 'lines+markers',
      name,
      x: ys.map((_, i) => i + 1),
      y: Array.from(ys),
      yaxis: axisOf(name),
      ...(axisOf(name) === 'y2' ? { line: { dash: 'dot' } } : {}),
    })),
    layout: {
      title: { text: title },
      xaxis: { title: { text: 'epoch' }, anchor: hasLr ? 'y3' : 'y' },
      yaxis: { title: { text: 'loss' }, domain: main },
      ...(hasMetrics ? { yaxis2: { title: { text: 'metric' }, overlaying: 'y', side: 'right', showgrid: false } } : {}),
      ...(hasLr ? { yaxis3: { title: { text: 'lr' }, type: 'log', domain: [0, 0.2] } } : {}),
      legend: { x: 1.08, xanchor: 'left' },
      margin: { ...MARGIN, r: hasMetrics ? 80 : MARGIN.r },
    },
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

const ROLE_COLORS: Record<string, string> = { train: '#1f77b4', validation: '#ff7f0e', test: '#2ca02c' };

/** Gantt-style timeline of a split (`splitTimeline(split)`): one row per fold, one bar per segment. */
export function foldTimeline(timeline: readonly TimelineBar[], interval: Interval = '1d', title = 'Split timeline'): Figure {
  const roles = [...new Set(timeline.map((s) => s.segment))];
  return {
    data: roles.map((role) => {
      const segs = timeline.filter((s) => s.segment === role);
      return {
        type: 'bar',
        orientation: 'h',
        name: role,
        y: segs.map((s) => `fold ${s.fold}`),
        base: segs.map((s) => formatTimestamp(s.startTime, interval)),
        x: segs.map((s) => Math.max(s.endTime - s.startTime, 86_400_000)),
        marker: { color: ROLE_COLORS[role] },
        hovertemplate: segs.map((s) => `${role}: ${formatTimestamp(s.startTime, interval)} to ${formatTimestamp(s.endTime, interval)}, ${s.count} samples<extra></extra>`),
      };
    }),
    layout: { title: { text: title }, barmode: 'overlay', xaxis: { type: 'date' }, yaxis: { autorange: 'reversed' }, margin: MARGIN },
  };
}

/** Grouped bars: one group per category, one bar per series (e.g. label counts per split segment). */
export function barChart(categories: readonly string[], series: Readonly<Record<string, readonly number[]>>, title: string): Figure {
  return {
    data: Object.entries(series).map(([name, y]) => ({ type: 'bar', name, x: [...categories], y: [...y] })),
    layout: { title: { text: title }, barmode: 'group', margin: MARGIN },
  };
}

/** Heatmap of pairwise Pearson correlations between columns, each pair over rows where both are finite. */
export function correlationChart(names: readonly string[], columns: readonly ArrayLike<number>[], title = 'Feature correlations'): Figure {
  const z = columns.map((a) => columns.map((b) => pairwisePearson(a, b)));
  return {
    data: [{ type: 'heatmap', z, x: [...names], y: [...names], zmin: -1, zmax: 1, colorscale: 'RdBu', reversescale: true }],
    layout: { title: { text: title }, yaxis: { autorange: 'reversed' }, margin: { ...MARGIN, l: 140, b: 120 }, height: Math.max(450, 22 * names.length + 160) },
  };
}

function pairwisePearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < a.length; i++) {
    if (Number.isFinite(a[i]) && Number.isFinite(b[i])) {
      x.push(a[i]);
      y.push(b[i]);
    }
  }
  return pearson(x, y);
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
