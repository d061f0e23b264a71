import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The shared real-data folder (`../shared/data` beside the checkout), or undefined when absent.
 * Tests that need it pass `{ skip: SHARED_SKIP }` so a run without it says why it skipped.
 */
export const SHARED_DATA: string | undefined = (() => {
  const dir = resolve(__dirname, '..', '..', '..', 'shared', 'data');
  return existsSync(dir) ? dir : undefined;
})();

export const SHARED_SKIP: string | false = SHARED_DATA ? false : 'needs ../shared/data (real market data), which is absent';

/** Path of a file under ../shared/data (only call when SHARED_DATA is defined). */
export function shared(...parts: string[]): string {
  if (!SHARED_DATA) throw new Error(SHARED_SKIP as string);
  return join(SHARED_DATA, ...parts);
}
