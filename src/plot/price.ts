import { type BarTable, formatTimestamp } from '../data/bars';
import type { Figure } from './figure';

/** Candlesticks with a volume panel for one symbol of a bar table (default: the first). */
export function priceChart(bars: BarTable, options: { symbol?: string; title?: string } = {}): Figure {
  const range = options.symbol ? bars.symbols.find((s) => s.symbol === options.symbol) : bars.symbols[0];
  if (!range) throw new RangeError(`priceChart: symbol ${options.symbol} not in table`);
  const slice = (c: Float64Array) => Array.from(c.subarray(range.start, range.end));
  const x = Array.from(bars.timestamp.subarray(range.start, range.end), (t) => formatTimestamp(t, bars.interval));
  return {
    data: [
      { type: 'candlestick', name: range.symbol, x, open: slice(bars.open), high: slice(bars.high), low: slice(bars.low), close: slice(bars.close), yaxis: 'y' },
      { type: 'bar', name: 'volume', x, y: slice(bars.volume), yaxis: 'y2', marker: { color: 'rgba(100,100,160,0.5)' } },
    ],
    layout: {
      title: { text: options.title ?? `${range.symbol} (${bars.interval})` },
      xaxis: { rangeslider: { visible: false } },
      yaxis: { domain: [0.28, 1], title: { text: 'price' } },
      yaxis2: { domain: [0, 0.22], title: { text: 'volume' } },
      showlegend: false,
      margin: { t: 40, l: 60, r: 20, b: 40 },
    },
  };
}
