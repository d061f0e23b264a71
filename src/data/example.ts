import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { projectRoot } from '../util/env';
import type { BarSourceSpec } from './load';

/**
 * The shared market-data folder: `STOCKLAB_SHARED_DATA` if set, else the nearest `shared/data`
 * in the project or any folder above it. Resolved from the project, never from the working
 * directory, so notebooks, scripts and the CLI find the same files wherever they run.
 */
export function sharedDataDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.STOCKLAB_SHARED_DATA) return existsSync(env.STOCKLAB_SHARED_DATA) ? env.STOCKLAB_SHARED_DATA : undefined;
  for (let dir = projectRoot(); ; dir = dirname(dir)) {
    const candidate = join(dir, 'shared', 'data');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * The notebooks' data: real daily bars of `symbol` from the shared data folder when present,
 * otherwise the seeded synthetic market (2,520 bars, planted signal 0.3). The fallback is
 * announced on stderr, because results on synthetic data say nothing about real markets.
 */
export function exampleBarSource(symbol = 'SPY', env: NodeJS.ProcessEnv = process.env): BarSourceSpec {
  const dir = sharedDataDir(env);
  const file = dir === undefined ? undefined : join(dir, 'market', `${symbol}_daily.csv`);
  if (file !== undefined && existsSync(file)) return { source: 'csv', files: [file] };
  process.stderr.write(
    `WARNING: real ${symbol} bars not found (${file ?? `no shared/data folder above ${projectRoot()}; set STOCKLAB_SHARED_DATA`}).\n` +
      'WARNING: using the seeded SYNTHETIC market instead; its results say nothing about real prices.\n',
  );
  return { source: 'synthetic', symbols: ['SYN'], seed: 42, signal: 0.3, bars: 2520 };
}
