import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { checkOutputPath, writeAtomically, writeFileAtomic } from '../src/util/fs';
import { UsageError } from '../src/errors';

const tmp = () => mkdtempSync(join(tmpdir(), 'stocklab-fs-'));

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  return Number(r.stdout.trim());
}

test('atomic writes: temps are named .<name>.tmp-<pid>-<random>, and orphans of dead writers are removed on the next write', () => {
  const dir = tmp();
  let seen = '';
  writeAtomically(join(dir, 'bars.csv'), (t) => {
    seen = basename(t);
    writeFileSync(t, 'x');
  });
  assert.match(seen, new RegExp(`^\\.bars\\.csv\\.tmp-${process.pid}-[0-9a-f]{8}$`));

  // What a kill -9 between write and rename leaves: temp files and (for run folders) temp folders.
  const dead = deadPid();
  const orphans = [`.bars.csv.tmp-${dead}-0badc0de`, `.tmp-${dead}-1700000000000-123`, `old.json.${dead}.1700000000000.tmp`];
  writeFileSync(join(dir, orphans[0]), 'half');
  mkdirSync(join(dir, orphans[1]));
  writeFileSync(join(dir, orphans[1], 'weights.bin'), 'half');
  writeFileSync(join(dir, orphans[2]), 'half');
  // A live writer's temp (this process) and ordinary dot files stay.
  const live = [`.bars.csv.tmp-${process.pid}-feedf00d`, '.keep', 'notes.tmp'];
  for (const f of live) writeFileSync(join(dir, f), 'keep');
  writeFileAtomic(join(dir, 'other.json'), '{}');
  assert.deepEqual(readdirSync(dir).sort(), ['bars.csv', 'other.json', ...live].sort());
});

test('atomic writes: a path that cannot be written is a usage error naming it', () => {
  const dir = tmp();
  const file = join(dir, 'file.csv');
  writeFileSync(file, 'x');
  for (const [path, reason] of [
    [join(file, 'out.csv'), /a parent of it is a file, not a folder/],
    [join(file, 'deeper', 'out.csv'), /a parent of it is a file, not a folder/],
    [dir, /it is a folder/],
  ] as const) {
    assert.throws(() => writeFileAtomic(path, 'y'), (e: unknown) => e instanceof UsageError && e.message.startsWith(`cannot write ${path}: `) && reason.test(e.message));
  }
  if (existsSync('/dev/null')) assert.throws(() => writeFileAtomic('/dev/null', 'y'), /cannot write \/dev\/null: it is not a regular file/);
  assert.equal(readFileSync(file, 'utf8'), 'x');
  assert.deepEqual(readdirSync(dir), ['file.csv']);
});

test('output paths: never an input (links resolved), an existing file only with force', () => {
  const dir = tmp();
  const input = join(dir, 'in.csv');
  writeFileSync(input, 'x');
  assert.throws(() => checkOutputPath(join(dir, '.', 'in.csv'), { inputs: [input], force: true, flag: '--out' }), /refusing to write .*in\.csv: it is the input file .*in\.csv; choose another --out/);
  assert.throws(() => checkOutputPath(input, { force: false, flag: '--out' }), /refusing to overwrite .*in\.csv, which already exists; choose another --out or pass --force/);
  const link = join(dir, 'link.csv');
  symlinkSync(input, link);
  assert.throws(() => checkOutputPath(input, { inputs: [link], force: true, flag: '--out' }), /it is the input file .*link\.csv/);
  checkOutputPath(input, { force: true, flag: '--out' });
  checkOutputPath(join(dir, 'new.csv'), { inputs: [input], flag: '--out' });
});
