import { type Stats, existsSync, mkdirSync, readdirSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from '../errors';

/**
 * Write a file atomically: write a temp file beside the target, then rename.
 * A crash mid-write leaves the old file (or none), never a truncated one.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  writeAtomically(path, (tmp) => writeFileSync(tmp, data));
}

/**
 * Let `write` create a temp file (or folder) beside `path` (any writer: polars, a serializer),
 * then rename it into place. A path that cannot be written (no permission, a parent that is a
 * file, a full disk) is a `UsageError` naming it, not a stack trace.
 */
export function writeAtomically(path: string, write: (tmpPath: string) => void): void {
  const dir = dirname(path);
  try {
    makeFolders(dir);
  } catch (err) {
    throw cannotWrite(path, err);
  }
  const existing = statOrUndefined(path);
  // Renaming over a device, pipe or socket would replace it with a plain file.
  if (existing && !existing.isFile() && !existing.isDirectory()) throw new UsageError(`cannot write ${path}: it is not a regular file`);
  removeStaleTemps(dir);
  const tmp = tempPathFor(path);
  try {
    write(tmp);
    renameSync(tmp, path);
  } catch (err) {
    try {
      rmSync(tmp, { recursive: true, force: true });
    } catch {
      // Nothing was created (the folder is not writable); the write's own error says why.
    }
    throw cannotWrite(path, err);
  }
}

/**
 * `mkdir -p`, one level at a time. Node 20's `mkdirSync(dir, { recursive: true })` never
 * returns for some unwritable places (a path under /proc spins at 100% CPU).
 */
function makeFolders(dir: string): void {
  const missing: string[] = [];
  let d = resolve(dir);
  for (; !existsSync(d); d = dirname(d)) {
    missing.push(d);
    if (dirname(d) === d) break;
  }
  if (existsSync(d) && !statSync(d).isDirectory()) throw Object.assign(new Error(`${d} is a file`), { code: 'ENOTDIR' });
  for (let k = missing.length - 1; k >= 0; k--) {
    try {
      mkdirSync(missing[k]);
    } catch (err) {
      // Another writer may have made it in the meantime.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}

/**
 * A temp name beside `path`: `.<name>.tmp-<pid>-<random>`. Hidden, recognisable, and carrying
 * the writer's pid so that `removeStaleTemps` can tell an orphan (its writer was killed) from
 * a write in progress.
 */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/**
 * `.<name>.tmp-<pid>-<suffix>` (this module), `.tmp-<pid>-<suffix>` (run folders) and
 * `<name>.<pid>.<epoch ms>.tmp` (what earlier versions wrote, so their orphans go too).
 */
const TEMP_NAMES = [/^\.(?:.+\.)?tmp-(\d+)-[0-9a-z-]+$/, /^.+\.(\d+)\.\d{13}\.tmp$/];

/**
 * Remove temp files and folders in `dir` left by writers that no longer run (a kill -9 or a
 * power cut between write and rename). Temps of live processes, this one included, are kept.
 * Returns the names removed.
 */
export function removeStaleTemps(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const pid = TEMP_NAMES.map((re) => re.exec(name)?.[1]).find((p) => p !== undefined);
    if (pid === undefined || isAlive(Number(pid))) continue;
    try {
      rmSync(join(dir, name), { recursive: true, force: true });
      removed.push(name);
    } catch {
      // Another process may be removing it at the same moment, or it is not ours to remove;
      // either way the write in hand does not depend on it.
    }
  }
  return removed;
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** File-system failures a user can fix by choosing another path (or freeing space). */
const PATH_ERRORS = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOENT', 'ENOTDIR', 'EISDIR', 'EEXIST', 'ENOSPC', 'EDQUOT', 'ENAMETOOLONG', 'ELOOP']);

function cannotWrite(path: string, err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === undefined || !PATH_ERRORS.has(code)) return err;
  const reason = code === 'EISDIR' ? 'it is a folder' : code === 'ENOTDIR' ? 'a parent of it is a file, not a folder' : (err as Error).message;
  return new UsageError(`cannot write ${path}: ${reason}`);
}

/**
 * Check that an output path may be written: never one of `inputs` (compared after resolving
 * links, so a command can never overwrite what it is reading), and an existing file only
 * with `force`. `flag` names the option that chose the path, for the message.
 */
export function checkOutputPath(out: string, options: { readonly inputs?: readonly string[]; readonly force?: boolean; readonly flag: string }): void {
  const target = canonical(out);
  for (const input of options.inputs ?? []) {
    if (canonical(input) === target) {
      throw new UsageError(`refusing to write ${out}: it is the input file ${input}; choose another ${options.flag}`);
    }
  }
  const kind = statOrUndefined(out);
  if (kind && !kind.isFile()) throw new UsageError(`cannot write ${out}: it is ${kind.isDirectory() ? 'a folder' : 'not a regular file'}; give a file path to ${options.flag}`);
  if (kind && !options.force) {
    throw new UsageError(`refusing to overwrite ${out}, which already exists; choose another ${options.flag} or pass --force`);
  }
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function canonical(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    // Not there yet: its folder may still be a link.
    try {
      return join(realpathSync(dirname(path)), basename(path));
    } catch {
      return resolve(path);
    }
  }
}
