import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Write a file atomically: write a temp file beside the target, then rename.
 * A crash mid-write leaves the old file (or none), never a truncated one.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  writeAtomically(path, (tmp) => writeFileSync(tmp, data));
}

/** Let `write` create a temp file beside `path` (any writer: polars, a serializer), then rename it into place. */
export function writeAtomically(path: string, write: (tmpPath: string) => void): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    write(tmp);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}
