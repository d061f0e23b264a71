import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { executeNotebook, jupyterEnv } from '../src/cli/notebooks';
import { projectRoot } from '../src/util/env';

const ROOT = projectRoot();
const NOTEBOOK = join(ROOT, 'notebooks', '03_lstm.ipynb');
const SCRIPT = join(ROOT, 'scripts', '03_lstm.ts');
const HAS_JUPYTER = spawnSync('jupyter', ['nbconvert', '--version']).status === 0;

interface Nb {
  cells: { cell_type: string; source: string[] | string; outputs?: { output_type: string; name?: string; text?: string[] | string }[] }[];
}
const text = (s: string[] | string | undefined) => (Array.isArray(s) ? s.join('') : (s ?? ''));
const metricLines = (out: string) => out.split('\n').filter((l) => /^(MAE |directional accuracy |binomial p )/.test(l));

test('scripts/03_lstm.ts is notebook 03 code cells, verbatim and in order', () => {
  const script = readFileSync(SCRIPT, 'utf8');
  const cells = (JSON.parse(readFileSync(NOTEBOOK, 'utf8')) as Nb).cells.filter((c) => c.cell_type === 'code').map((c) => text(c.source));
  let at = 0;
  for (const cell of cells) {
    const found = script.indexOf(cell, at);
    assert.ok(found >= 0, `cell not found verbatim (after offset ${at}):\n${cell}`);
    at = found + cell.length;
  }
});

test(
  'stocklab script scripts/03_lstm.ts prints the same metrics as notebook 03 (fast mode)',
  { skip: HAS_JUPYTER ? false : 'needs Jupyter (apt-get install jupyter-nbconvert jupyter-client python3-ipython)', timeout: 600_000 },
  () => {
    const env = { ...process.env, STOCKLAB_FAST: '1', STOCKLAB_MODELS_DIR: mkdtempSync(join(tmpdir(), 'stocklab-models-')) };
    // From another working directory: paths must resolve from the project.
    const run = spawnSync(process.execPath, [join(ROOT, 'bin', 'stocklab.js'), 'script', SCRIPT], { cwd: tmpdir(), env, encoding: 'utf8' });
    assert.equal(run.status, 0, `script failed:\n${run.stdout}\n${run.stderr}`);
    const outDir = mkdtempSync(join(tmpdir(), 'stocklab-nb-'));
    const nb = executeNotebook(NOTEBOOK, outDir, jupyterEnv(ROOT, env));
    assert.ok(nb.ok, nb.stderr.slice(-3000));
    const executed = JSON.parse(readFileSync(join(outDir, '03_lstm.ipynb'), 'utf8')) as Nb;
    const nbOut = executed.cells.flatMap((c) => c.outputs ?? []).filter((o) => o.output_type === 'stream' && o.name === 'stdout').map((o) => text(o.text)).join('');
    const expected = metricLines(nbOut);
    assert.equal(expected.length, 3, `notebook metric lines:\n${nbOut}`);
    assert.deepEqual(metricLines(run.stdout), expected);
  },
);
