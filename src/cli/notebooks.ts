import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeJsonAtomic } from '../util/fs';

/**
 * Execute every notebook in notebooks/ headlessly under real Jupyter with this project's own
 * tslab (a private kernelspec, so no global `tslab install` is needed), writing executed copies
 * to build/notebooks/. A notebook whose cell raises fails the run.
 * Usage: node dist/src/cli/notebooks.js [name-filter ...]
 */
export function runNotebooks(filters: readonly string[] = []): number {
  const root = resolve(__dirname, '..', '..', '..');
  const tslab = join(root, 'node_modules', '.bin', 'tslab');
  if (!existsSync(tslab)) return fail(`tslab not found at ${tslab}; run npm install first`);
  const jupyterCheck = spawnSync('jupyter', ['nbconvert', '--version'], { encoding: 'utf8' });
  if (jupyterCheck.status !== 0) {
    return fail('jupyter nbconvert not found. Install it, e.g. on Debian/Ubuntu: apt-get install -y --no-install-recommends jupyter-nbconvert jupyter-client python3-ipython');
  }
  const kernelsDir = join(root, 'build', 'jupyter', 'kernels', 'stocklab-tslab');
  mkdirSync(kernelsDir, { recursive: true });
  writeJsonAtomic(join(kernelsDir, 'kernel.json'), {
    argv: [tslab, 'kernel', '--config-path', '{connection_file}'],
    display_name: 'TypeScript (stocklab tslab)',
    language: 'typescript',
  });
  const outDir = join(root, 'build', 'notebooks');
  const notebooks = readdirSync(join(root, 'notebooks'))
    .filter((f) => f.endsWith('.ipynb') && (filters.length === 0 || filters.some((p) => f.includes(p))))
    .sort();
  if (notebooks.length === 0) return fail(`no notebooks match ${filters.join(' ')}`);
  const env = { ...process.env, JUPYTER_PATH: [join(root, 'build', 'jupyter'), process.env.JUPYTER_PATH].filter(Boolean).join(':') };
  const failed: string[] = [];
  for (const nb of notebooks) {
    const started = Date.now();
    process.stderr.write(`executing notebooks/${nb} ...\n`);
    const r = spawnSync(
      'jupyter',
      ['nbconvert', '--to', 'notebook', '--execute', '--ExecutePreprocessor.kernel_name=stocklab-tslab', '--ExecutePreprocessor.timeout=1800', '--output-dir', outDir, '--output', nb, join(root, 'notebooks', nb)],
      { env, encoding: 'utf8', stdio: ['ignore', 'inherit', 'pipe'] },
    );
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const errors = r.status === 0 ? errorOutputs(join(outDir, nb)) : [];
    if (r.status !== 0 || errors.length > 0) {
      failed.push(nb);
      process.stderr.write(`FAILED notebooks/${nb} after ${seconds}s\n${(r.stderr ?? '').split('\n').slice(-40).join('\n')}\n${errors.join('\n')}\n`);
    } else {
      process.stderr.write(`ok notebooks/${nb} (${seconds}s) -> build/notebooks/${nb}\n`);
    }
  }
  process.stderr.write(`${notebooks.length - failed.length} of ${notebooks.length} notebooks executed without error\n`);
  return failed.length === 0 ? 0 : 1;
}

/** Error outputs left in an executed notebook (belt and braces: nbconvert should already have failed). */
function errorOutputs(path: string): string[] {
  const nb = JSON.parse(readFileSync(path, 'utf8')) as { cells: { outputs?: { output_type: string; ename?: string; evalue?: string }[] }[] };
  return nb.cells.flatMap((c) => c.outputs ?? []).filter((o) => o.output_type === 'error').map((o) => `${o.ename}: ${o.evalue}`);
}

function fail(message: string): number {
  process.stderr.write(`stocklab notebooks: ${message}\n`);
  return 1;
}

if (require.main === module) process.exitCode = runNotebooks(process.argv.slice(2));
