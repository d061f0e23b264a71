/**
 * The notebooks in a real browser, as a user meets them: a Jupyter server on 127.0.0.1 with this
 * project's kernelspec, each notebook opened in headless Chromium, Run All, every figure drawn
 * (an SVG inside each figure's div) and no error output; saved, reloaded, every figure drawn
 * again from the saved outputs; one notebook also opened untrusted, where each figure shows its
 * one-line message instead of an empty box. Both UIs: JupyterLab 4 (from the project's .venv or
 * PATH; skipped loudly when absent) and the classic Notebook (Debian's jupyter-notebook; required).
 *
 * Run: npm run test:browser (STOCKLAB_FAST=1 unless set: fast sizes, same code paths).
 * Only notebooks whose name contains STOCKLAB_NOTEBOOKS (comma-separated) if set.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { type JupyterUi, errorOutputs, findJupyter, jupyterEnv, serverArgs } from '../../src/cli/notebooks';
import { projectRoot } from '../../src/util/env';

const ROOT = projectRoot();
const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p): p is string => !!p && existsSync(p));
const FILTER = (process.env.STOCKLAB_NOTEBOOKS ?? '').split(',').filter(Boolean);
const NOTEBOOKS = readdirSync(join(ROOT, 'notebooks'))
  .filter((f) => f.endsWith('.ipynb') && (FILTER.length === 0 || FILTER.some((p) => f.includes(p))))
  .sort();
const MAX_SAVED_BYTES = 2 * 1024 * 1024;
const RUN_TIMEOUT_MS = Number(process.env.STOCKLAB_NOTEBOOK_TIMEOUT_S ?? 600) * 1000;
const UNTRUSTED = NOTEBOOKS.find((n) => n.startsWith('03')) ?? NOTEBOOKS[0];

interface Server {
  readonly url: string;
  readonly token: string;
  readonly dir: string;
  readonly proc: ChildProcess;
  readonly log: string[];
}

async function freePort(): Promise<number> {
  return new Promise((ok, ko) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
    s.on('error', ko);
  });
}

async function startServer(ui: JupyterUi, exe: string): Promise<Server> {
  const port = await freePort();
  const token = `t${Math.random().toString(36).slice(2)}`;
  const home = mkdtempSync(join(tmpdir(), `stocklab-${ui}-`));
  const dir = join('build', 'browser-test', ui);
  rmSync(join(ROOT, dir), { recursive: true, force: true });
  mkdirSync(join(ROOT, dir), { recursive: true });
  for (const nb of NOTEBOOKS) copyFileSync(join(ROOT, 'notebooks', nb), join(ROOT, dir, nb));
  const app = ui === 'lab' ? 'ServerApp' : 'NotebookApp';
  const env = {
    ...jupyterEnv(ROOT),
    STOCKLAB_FAST: process.env.STOCKLAB_FAST ?? '1',
    // A private config/data/runtime dir: no user settings, workspaces or trust database leak in.
    JUPYTER_CONFIG_DIR: join(home, 'config'),
    JUPYTER_DATA_DIR: join(home, 'data'),
    JUPYTER_RUNTIME_DIR: join(home, 'runtime'),
  };
  const args = [...serverArgs(ui, ROOT), '--no-browser', `--${app}.ip=127.0.0.1`, `--${app}.port=${port}`, `--${app}.token=${token}`];
  if (ui === 'lab') args.push('--LabApp.news_url=None', '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate');
  const proc = spawn(exe, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const log: string[] = [];
  proc.stdout!.on('data', (d: Buffer) => log.push(d.toString()));
  proc.stderr!.on('data', (d: Buffer) => log.push(d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const r = await fetch(`${url}/api/status`, { headers: { Authorization: `token ${token}` } });
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`${exe} did not start:\n${log.join('')}`);
    await new Promise((r) => setTimeout(r, 300));
  }
  return { url, token, dir, proc, log };
}

async function stopKernels(server: Server): Promise<void> {
  const headers = { Authorization: `token ${server.token}` };
  const sessions = (await (await fetch(`${server.url}/api/sessions`, { headers })).json()) as { id: string }[];
  for (const s of sessions) await fetch(`${server.url}/api/sessions/${s.id}`, { method: 'DELETE', headers });
}

function pageUrl(ui: JupyterUi, server: Server, path: string): string {
  // A JupyterLab workspace per notebook: Lab restores a workspace's open tabs, and the checks must see one notebook.
  const workspace = path.replace(/[^A-Za-z0-9]/g, '-');
  return `${server.url}/${ui === 'lab' ? `lab/workspaces/${workspace}/tree` : 'notebooks'}/${path}?token=${server.token}`;
}

async function openNotebook(page: Page, ui: JupyterUi, server: Server, path: string, codeCells: number): Promise<void> {
  await page.goto(pageUrl(ui, server, path));
  if (ui === 'lab') {
    await page.waitForFunction((n) => document.querySelectorAll('.jp-CodeCell .jp-InputPrompt').length >= n, codeCells, { timeout: 120_000 });
  } else {
    await page.waitForFunction(
      () => {
        const J = (window as unknown as { Jupyter?: { notebook?: { kernel?: { is_connected(): boolean } } } }).Jupyter;
        return !!J?.notebook?.kernel?.is_connected();
      },
      undefined,
      { timeout: 120_000 },
    );
  }
}

async function runAll(page: Page, ui: JupyterUi, codeCells: number): Promise<void> {
  if (ui === 'lab') {
    // Wait for the kernel before Run All, so "[*]" prompts mean execution, not a queue on a dead kernel.
    await page.waitForSelector('.jp-Notebook-ExecutionIndicator[data-status="idle"]', { timeout: 120_000 }).catch(() => undefined);
    await page.locator('.jp-Notebook:visible').first().click();
    await page.locator('.lm-MenuBar-itemLabel', { hasText: /^Run$/ }).click();
    await page.locator('.lm-Menu-itemLabel', { hasText: /^Run All Cells$/ }).click();
  } else {
    await page.evaluate(() => (window as unknown as { Jupyter: { notebook: { execute_all_cells(): void } } }).Jupyter.notebook.execute_all_cells());
  }
  await page.waitForFunction(
    ({ sel, n }) => {
      const p = Array.from(document.querySelectorAll(sel), (e) => (e.textContent ?? '').trim());
      return p.length >= n && p.every((t) => /\[\d+\]/.test(t));
    },
    { sel: ui === 'lab' ? '.jp-CodeCell .jp-InputPrompt' : '.code_cell .input_prompt', n: codeCells },
    { timeout: RUN_TIMEOUT_MS, polling: 500 },
  );
}

async function save(page: Page, ui: JupyterUi, file: string, before: number): Promise<void> {
  if (ui === 'lab') {
    await page.locator('.jp-Notebook:visible').first().click();
    await page.keyboard.press('Control+s');
  } else {
    await page.evaluate(() => (window as unknown as { Jupyter: { notebook: { save_notebook(): Promise<unknown> } } }).Jupyter.notebook.save_notebook());
  }
  const deadline = Date.now() + 60_000;
  while (statSync(file).mtimeMs === before || !savedExecuted(file)) {
    if (Date.now() > deadline) throw new Error(`${file} was not saved with outputs within 60 s`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

function savedExecuted(file: string): boolean {
  try {
    const nb = JSON.parse(readFileSync(file, 'utf8')) as { cells: { cell_type: string; execution_count?: number | null }[] };
    return nb.cells.every((c) => c.cell_type !== 'code' || typeof c.execution_count === 'number');
  } catch {
    return false; // caught mid-write
  }
}

/** Figure outputs in a saved notebook (the self-loading HTML of showFigure). */
function savedFigures(file: string): number {
  const nb = JSON.parse(readFileSync(file, 'utf8')) as { cells: { outputs?: { data?: Record<string, unknown> }[] }[] };
  return nb.cells.flatMap((c) => c.outputs ?? []).filter((o) => String(o.data?.['text/html'] ?? '').includes('stocklab-plot')).length;
}

/** Waits until `expected` figure divs each hold a drawn plotly SVG; returns how many are drawn / present. */
async function drawnFigures(page: Page, expected: number): Promise<{ drawn: number; present: number; messages: string[] }> {
  await page
    .waitForFunction(
      (n) => {
        const divs = Array.from(document.querySelectorAll('.stocklab-plot'));
        return divs.length >= n && divs.every((d) => d.querySelector('svg.main-svg'));
      },
      expected,
      { timeout: 90_000, polling: 500 },
    )
    .catch(() => undefined);
  return page.$$eval('.stocklab-plot', (divs) => ({
    drawn: divs.filter((d) => d.querySelector('svg.main-svg')).length,
    present: divs.length,
    messages: divs.map((d) => d.querySelector('.stocklab-plot-message')?.textContent ?? '').filter(Boolean),
  }));
}

const timings: string[] = [];

const UIS = (process.env.STOCKLAB_UIS ?? 'notebook,lab').split(',');
for (const ui of (['notebook', 'lab'] as const).filter((u) => UIS.includes(u))) {
  const exe = findJupyter(ui, ROOT);
  const missing = !CHROMIUM
    ? 'needs Chromium (apt-get install chromium)'
    : !exe
      ? ui === 'lab'
        ? 'JupyterLab is not installed (python3 -m venv .venv && .venv/bin/pip install jupyterlab): JupyterLab NOT TESTED'
        : 'the classic Notebook is not installed (apt-get install jupyter-notebook)'
      : false;
  if (missing) process.stderr.write(`\n!!! browser test, ${ui}: ${missing}\n\n`);

  describe(`notebooks in a real browser: ${ui === 'lab' ? 'JupyterLab' : 'classic Notebook'}`, { skip: missing, timeout: RUN_TIMEOUT_MS * (NOTEBOOKS.length + 1) }, () => {
    let server: Server;
    let browser: Browser;
    before(async () => {
      server = await startServer(ui, exe!);
      const { chromium } = await import('playwright-core');
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      });
    });
    after(async () => {
      await browser?.close();
      server?.proc.kill('SIGTERM');
    });

    for (const nb of NOTEBOOKS) {
      test(`${nb}: run all, figures drawn, no error; saved, reopened, figures drawn again`, async () => {
        const path = `${server.dir}/${nb}`;
        const file = join(ROOT, path);
        const codeCells = (JSON.parse(readFileSync(file, 'utf8')) as { cells: { cell_type: string }[] }).cells.filter((c) => c.cell_type === 'code').length;
        const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
        const pageErrors: string[] = [];
        page.on('pageerror', (e) => pageErrors.push(String(e)));
        // Classic Notebook asks before leaving a page with a running kernel.
        page.on('dialog', (d) => void d.accept());
        try {
          await openNotebook(page, ui, server, path, codeCells);
          const started = Date.now();
          const before = statSync(file).mtimeMs;
          await runAll(page, ui, codeCells);
          const seconds = (Date.now() - started) / 1000;
          await save(page, ui, file, before);
          assert.deepEqual(errorOutputs(file), [], `${nb}: error outputs in ${ui}`);
          const figures = savedFigures(file);
          const live = await drawnFigures(page, figures);
          assert.equal(live.drawn, figures, `${nb} (${ui}, live): ${live.drawn} of ${figures} figures drawn; messages: ${live.messages.join(' | ')}`);
          const bytes = statSync(file).size;
          assert.ok(bytes <= MAX_SAVED_BYTES, `${nb}: saved notebook is ${bytes} bytes, over 2 MB`);

          await openNotebook(page, ui, server, path, codeCells);
          const reopened = await drawnFigures(page, figures);
          assert.equal(reopened.drawn, figures, `${nb} (${ui}, reopened): ${reopened.drawn} of ${figures} figures drawn; messages: ${reopened.messages.join(' | ')}`);
          assert.deepEqual(pageErrors.filter((e) => /plotly|stocklab/i.test(e)), [], `${nb}: page errors`);
          timings.push(`${ui} ${nb}: run all ${seconds.toFixed(1)} s, ${figures} figure(s) drawn live and after reopen, saved ${(bytes / 1024).toFixed(0)} KiB`);

          if (nb === UNTRUSTED && figures > 0) {
            // Any change to a signed notebook makes it untrusted: scripts must not run, messages must show.
            const copy = path.replace(/\.ipynb$/, '-untrusted.ipynb');
            const content = JSON.parse(readFileSync(file, 'utf8')) as { metadata: Record<string, unknown> };
            content.metadata.stocklab_untrusted_copy = true;
            writeFileSync(join(ROOT, copy), JSON.stringify(content));
            await openNotebook(page, ui, server, copy, codeCells);
            await page.waitForFunction(() => document.body.innerText.includes('[plotly figure'), undefined, { timeout: 60_000 });
            const untrusted = await page.evaluate(() => ({
              messages: (document.body.innerText.match(/\[plotly figure[^\]]*\]/g) ?? []).length,
              svgs: document.querySelectorAll('svg.main-svg').length,
            }));
            assert.equal(untrusted.svgs, 0, `${nb} untrusted (${ui}): scripts ran`);
            assert.equal(untrusted.messages, figures, `${nb} untrusted (${ui}): ${untrusted.messages} messages for ${figures} figures`);
            timings.push(`${ui} ${nb} untrusted copy: ${untrusted.messages} of ${figures} figures show their one-line message`);
          }
        } finally {
          await page.close();
          await stopKernels(server);
        }
      });
    }
  });
}

after(() => {
  if (timings.length > 0) process.stderr.write(`\nbrowser test results:\n  ${timings.join('\n  ')}\n`);
});
