import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SHARED_SKIP, shared } from './helpers';

/**
 * Every `stocklab ...` line of the README's command examples, run verbatim as a user would
 * (in a folder holding the files they name), in order: so the documented predict -> metrics
 * chain, `bench rnn` and the rest cannot drift from what the CLI accepts.
 */
const ROOT = resolve(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'stocklab.js');

function readmeCommands(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```(?:sh|bash)\n([\s\S]*?)```/g)].map((m) => m[1]);
  return blocks
    .flatMap((b) => b.split('\n'))
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l.startsWith('stocklab '));
}

/** Split a command line into words, honouring single and double quotes. */
function words(line: string): string[] {
  return [...line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]);
}

test('the README shows the documented commands', () => {
  const lines = readmeCommands();
  for (const c of ['data', 'features', 'train', 'predict', 'evaluate', 'metrics', 'validate']) assert.ok(lines.some((l) => l.startsWith(`stocklab ${c} `)), `no "stocklab ${c}" example`);
});

test('every README command line runs as written', { skip: SHARED_SKIP, timeout: 900_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'stocklab-readme-'));
  copyFileSync(shared('market', 'SPY_daily.csv'), join(dir, 'SPY.csv'));
  const spy = readFileSync(join(dir, 'SPY.csv'), 'utf8').split('\n');
  // broken.csv: one close missing, which --repair ffill fills and reports.
  const cells = spy[10].split(',');
  cells[4] = '';
  spy[10] = cells.join(',');
  writeFileSync(join(dir, 'broken.csv'), spy.join('\n'));
  symlinkSync(join(ROOT, 'experiments'), join(dir, 'experiments'));
  const env = { ...process.env, STOCKLAB_FAST: '1', STOCKLAB_DATA_DIR: join(dir, 'data'), STOCKLAB_MODELS_DIR: join(dir, 'models') };
  for (const line of readmeCommands()) {
    const r = spawnSync(process.execPath, [BIN, ...words(line).slice(1)], { cwd: dir, env, encoding: 'utf8' });
    // The Yahoo example needs the network, which tests never have: it must say so and exit 4, not crash.
    if (line.includes('--source yahoo')) {
      assert.equal(r.status, 4, `${line}\n${r.stderr}`);
      assert.match(r.stderr, /yahoo|network|cache/i);
      continue;
    }
    assert.equal(r.status, 0, `${line}\n${r.stderr}`);
  }
});
