import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { basename, delimiter, dirname, join } from 'node:path';
import { projectRoot } from '../util/env';
import { writeJsonAtomic } from '../util/fs';

/**
 * The notebooks' ways in, all with this project's own tslab through a private kernelspec
 * (no global `tslab install`):
 *   node dist/src/cli/notebooks.js jupyter [lab|notebook] [server args...]   (npm run jupyter)
 *   node dist/src/cli/notebooks.js execute [name-filter ...]                  (npm run notebooks)
 *   node dist/src/cli/notebooks.js link                                        (part of npm run build)
 */

export const KERNEL_NAME = 'stocklab-tslab';

/**
 * Make `import ... from 'stocklab'` resolve inside the checkout (tslab, ts-node, plain Node,
 * with types): node_modules/stocklab -> .. (relative, so the checkout can move). An installed
 * copy (inside someone's node_modules) resolves by name already and is left alone.
 */
export function linkPackage(root = projectRoot()): void {
  if (basename(dirname(root)) === 'node_modules') return;
  const link = join(root, 'node_modules', 'stocklab');
  let stat;
  try {
    stat = lstatSync(link);
  } catch {
    stat = undefined;
  }
  if (stat?.isSymbolicLink() && realpathSync(link) === realpathSync(root)) return;
  if (stat && !stat.isSymbolicLink()) throw new Error(`${link} exists and is not a link to the project; remove it (npm ci) and build again`);
  if (stat) rmSync(link);
  mkdirSync(dirname(link), { recursive: true });
  symlinkSync('..', link, 'junction');
}

/**
 * Write the private kernelspec under build/jupyter/kernels and return the folder to put on
 * JUPYTER_PATH. The kernel is started by this Node with tslab's script, both by absolute path,
 * so neither `tslab` nor `node` needs to be on the server's PATH.
 */
export function writeKernelSpec(root = projectRoot()): string {
  const tslab = join(root, 'node_modules', 'tslab', 'bin', 'tslab');
  if (!existsSync(tslab)) throw new Error(`tslab not found at ${tslab}; run npm install first`);
  const jupyterDir = join(root, 'build', 'jupyter');
  const kernelDir = join(jupyterDir, 'kernels', KERNEL_NAME);
  mkdirSync(kernelDir, { recursive: true });
  writeJsonAtomic(join(kernelDir, 'kernel.json'), {
    argv: [process.execPath, tslab, 'kernel', '--config-path', '{connection_file}'],
    display_name: 'TypeScript (stocklab)',
    language: 'typescript',
  });
  return jupyterDir;
}

/** The environment for Jupyter processes: the private kernelspec first on JUPYTER_PATH. */
export function jupyterEnv(root = projectRoot(), env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const dir = writeKernelSpec(root);
  return { ...env, JUPYTER_PATH: [dir, env.JUPYTER_PATH].filter(Boolean).join(delimiter) };
}

export type JupyterUi = 'lab' | 'notebook';

/**
 * The server executable for a UI: JupyterLab from the project's `.venv` (README: python3 -m venv
 * .venv && .venv/bin/pip install jupyterlab) or from PATH; the classic Notebook from PATH
 * (Debian's `jupyter-notebook`). Undefined when not installed.
 */
export function findJupyter(ui: JupyterUi, root = projectRoot()): string | undefined {
  const exe = ui === 'lab' ? 'jupyter-lab' : 'jupyter-notebook';
  const candidates = [join(root, '.venv', 'bin', exe), ...(process.env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, exe))];
  return candidates.find((c) => existsSync(c));
}

/**
 * Server arguments: rooted at the project (the figures load plotly.js from its node_modules
 * through the server's /files/ URLs) and opening notebooks/. Root needs --allow-root.
 */
export function serverArgs(ui: JupyterUi, root = projectRoot()): string[] {
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0 ? ['--allow-root'] : [];
  return ui === 'lab'
    ? [`--ServerApp.root_dir=${root}`, '--ServerApp.default_url=/lab/tree/notebooks', ...asRoot]
    : [`--NotebookApp.notebook_dir=${root}`, '--NotebookApp.default_url=/tree/notebooks', ...asRoot];
}

const INSTALL_HELP = `Install one of them (README, "Notebooks"):
  JupyterLab 4:  python3 -m venv .venv && .venv/bin/pip install jupyterlab
  classic Notebook (Debian/Ubuntu, as root or with sudo):
                 apt-get install -y --no-install-recommends jupyter-notebook jupyter-nbformat`;

/** Start JupyterLab (default, when installed) or the classic Notebook on notebooks/. */
export function startJupyter(args: readonly string[]): number {
  const root = projectRoot();
  const wanted = args[0] === 'lab' || args[0] === 'notebook' ? args[0] : undefined;
  const rest = wanted ? args.slice(1) : args;
  const ui: JupyterUi | undefined = wanted ?? (findJupyter('lab', root) ? 'lab' : findJupyter('notebook', root) ? 'notebook' : undefined);
  const exe = ui && findJupyter(ui, root);
  if (!ui || !exe) return fail(`${wanted === 'notebook' ? 'jupyter-notebook' : wanted === 'lab' ? 'jupyter-lab' : 'neither jupyter-lab nor jupyter-notebook'} not found. ${INSTALL_HELP}`);
  process.stderr.write(`starting ${exe} with this project's tslab kernel ("TypeScript (stocklab)")\n`);
  const r = spawnSync(exe, [...serverArgs(ui, root), ...rest], { env: jupyterEnv(root), stdio: 'inherit' });
  if (r.error) return fail(`${exe}: ${r.error.message}`);
  return r.status ?? 1;
}

/**
 * Execute every notebook in notebooks/ headlessly under real Jupyter, writing executed copies
 * to build/notebooks/. A notebook whose cell raises fails the run.
 */
export function runNotebooks(filters: readonly string[] = []): number {
  const root = projectRoot();
  const jupyterCheck = spawnSync('jupyter', ['nbconvert', '--version'], { encoding: 'utf8' });
  if (jupyterCheck.status !== 0) {
    return fail('jupyter nbconvert not found. Install it, e.g. on Debian/Ubuntu: apt-get install -y --no-install-recommends jupyter-nbconvert jupyter-client python3-ipython');
  }
  const env = jupyterEnv(root);
  const outDir = join(root, 'build', 'notebooks');
  const notebooks = readdirSync(join(root, 'notebooks'))
    .filter((f) => f.endsWith('.ipynb') && (filters.length === 0 || filters.some((p) => f.includes(p))))
    .sort();
  if (notebooks.length === 0) return fail(`no notebooks match ${filters.join(' ')}`);
  const failed: string[] = [];
  for (const nb of notebooks) {
    const started = Date.now();
    process.stderr.write(`executing notebooks/${nb} ...\n`);
    const r = executeNotebook(join(root, 'notebooks', nb), outDir, env);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const errors = r.ok ? errorOutputs(join(outDir, nb)) : [];
    if (!r.ok || errors.length > 0) {
      failed.push(nb);
      process.stderr.write(`FAILED notebooks/${nb} after ${seconds}s\n${r.stderr.split('\n').slice(-40).join('\n')}\n${errors.join('\n')}\n`);
    } else {
      process.stderr.write(`ok notebooks/${nb} (${seconds}s) -> build/notebooks/${nb}\n`);
    }
  }
  process.stderr.write(`${notebooks.length - failed.length} of ${notebooks.length} notebooks executed without error\n`);
  return failed.length === 0 ? 0 : 1;
}

/** Execute one notebook with nbconvert and the private kernel; the executed copy goes to outDir under the same name. */
export function executeNotebook(path: string, outDir: string, env: NodeJS.ProcessEnv = jupyterEnv()): { ok: boolean; stderr: string } {
  const r = spawnSync(
    'jupyter',
    ['nbconvert', '--to', 'notebook', '--execute', `--ExecutePreprocessor.kernel_name=${KERNEL_NAME}`, '--ExecutePreprocessor.timeout=1800', '--output-dir', outDir, '--output', basename(path), path],
    { env, encoding: 'utf8', stdio: ['ignore', 'inherit', 'pipe'] },
  );
  return { ok: r.status === 0, stderr: r.stderr ?? String(r.error ?? '') };
}

/** Error outputs left in an executed notebook (belt and braces: nbconvert should already have failed). */
export function errorOutputs(path: string): string[] {
  const nb = JSON.parse(readFileSync(path, 'utf8')) as { cells: { outputs?: { output_type: string; ename?: string; evalue?: string }[] }[] };
  return nb.cells.flatMap((c) => c.outputs ?? []).filter((o) => o.output_type === 'error').map((o) => `${o.ename}: ${o.evalue}`);
}

function fail(message: string): number {
  process.stderr.write(`stocklab notebooks: ${message}\n`);
  return 1;
}

function main(argv: readonly string[]): number {
  const [command, ...rest] = argv;
  if (command === 'execute') return runNotebooks(rest);
  if (command === 'jupyter') return startJupyter(rest);
  if (command === 'link') {
    linkPackage();
    return 0;
  }
  return fail(`usage: notebooks.js execute [filter ...] | jupyter [lab|notebook] [server args ...] | link (got ${JSON.stringify(command ?? '')})`);
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
