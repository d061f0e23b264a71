import { describeBackend, initBackend } from '../backend';
import { loadBars } from '../data/load';
import { summarizeBars } from '../data/summary';
import { sized } from '../util/env';
import { type Command } from './command';
import { formatTable } from './table';

/**
 * The main job on the embedded default: a seeded synthetic market with a planted signal,
 * needing no network. It grows with the kit (features, models, walk-forward evaluation).
 */
export const runCommand: Command = {
  name: 'run',
  summary: 'run the default experiment offline (synthetic market with a planted signal)',
  help: `Usage: stocklab run [--backend tensorflow|wasm|cpu] [--json]

Runs the default experiment on the embedded synthetic market (seed 42, planted signal 0.3).
STOCKLAB_FAST=1 shrinks data sizes for CI.`,
  options: { backend: { type: 'string' } },
  async run(flags) {
    const backend = await initBackend({ backend: typeof flags.backend === 'string' ? flags.backend : undefined });
    const loaded = await loadBars({ source: 'synthetic', symbols: ['SYN'], seed: 42, signal: 0.3, bars: sized(2520, 600) });
    const summaries = summarizeBars(loaded.bars);
    const signal = loaded.signal!;
    const json = {
      backend: backend.name,
      data: { source: 'synthetic', seed: 42, signalStrength: signal.strength, bestAccuracy: signal.bestAccuracy, symbols: summaries },
    };
    const text = [
      describeBackend(backend),
      formatTable(
        ['symbol', 'rows', 'start', 'end', 'last close', 'return %', 'ann. vol %'],
        summaries.map((s) => [s.symbol, s.rows, s.start, s.end, s.lastClose, s.totalReturnPct, s.annualVolatilityPct]),
      ),
      `planted signal ${signal.strength}: best achievable directional accuracy ${(signal.bestAccuracy * 100).toFixed(2)}% (oracle scored ${(signal.oracleAccuracy * 100).toFixed(2)}% on this path)`,
    ].join('\n');
    return { json, text };
  },
};
