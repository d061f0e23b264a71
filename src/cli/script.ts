import { existsSync, readFileSync } from 'node:fs';
import Module from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../errors';
import { textDisplay } from '../plot/display';
import { projectRoot } from '../util/env';
import type { Command } from './command';

/**
 * `stocklab script FILE.ts`: run notebook cells pasted into a file, as they are. The file is
 * type-checked as an ES module (so top-level `await` is allowed, as in tslab), compiled to
 * CommonJS, wrapped in an async function and run; `stocklab` and `tslab` resolve from this
 * project whatever folder the file is in, and tslab's `display` prints text instead of
 * throwing "Not ready" outside a kernel.
 */
export const scriptCommand: Command = {
  name: 'script',
  summary: 'run a TypeScript file of notebook cells (top-level await, import from stocklab) outside Jupyter',
  help: `Usage: stocklab script <FILE.ts> [--no-check]

Type-checks FILE.ts (as tslab would: top-level await allowed, 'stocklab' resolving to this
project), then runs it. Figures shown with showFigure go to one HTML page whose path is printed;
tables and Markdown are printed as text. Type errors exit 2 (--no-check skips the check).`,
  options: { 'no-check': { type: 'boolean' } },
  positionals: [{ name: 'FILE.ts' }],
  async run(flags, positionals) {
    const file = resolve(positionals[0]);
    if (!existsSync(file)) throw new UsageError(`script: ${file} does not exist`);
    const started = performance.now();
    await runScript(file, { check: flags['no-check'] !== true });
    return { json: { file, seconds: (performance.now() - started) / 1000 }, text: `[script] ${positionals[0]} done in ${((performance.now() - started) / 1000).toFixed(1)}s` };
  },
};

/** Type-check (unless `check` is false) and run a TypeScript file of notebook cells. */
export async function runScript(file: string, options: { check?: boolean } = {}): Promise<void> {
  // TypeScript is a dev dependency: loaded only when a script runs.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ts = require('typescript') as typeof import('typescript');
  const root = projectRoot();
  const source = readFileSync(file, 'utf8');
  if (options.check !== false) {
    const program = ts.createProgram([file], {
      module: ts.ModuleKind.ES2022,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      moduleDetection: ts.ModuleDetectionKind.Force,
      target: ts.ScriptTarget.ES2022,
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
      strict: true,
      esModuleInterop: true,
      skipLibCheck: true,
      noEmit: true,
      types: ['node'],
      typeRoots: [join(root, 'node_modules', '@types')],
      // A file outside the project still sees the project's packages (stocklab itself included).
      paths: { '*': [join(root, 'node_modules', '*')] },
    });
    const diagnostics = ts.getPreEmitDiagnostics(program);
    if (diagnostics.length > 0) {
      const host: import('typescript').FormatDiagnosticsHost = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => process.cwd(), getNewLine: () => '\n' };
      throw new UsageError(`script: ${diagnostics.length} type error(s) in ${file}\n${ts.formatDiagnostics(diagnostics, host)}`);
    }
  }
  const js = ts.transpileModule(source, {
    fileName: file,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, inlineSourceMap: true, inlineSources: true },
  }).outputText;
  const paths = [...(Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(dirname(file)), join(root, 'node_modules')];
  installTextDisplay(paths);
  process.setSourceMapsEnabled(true);
  process.env.STOCKLAB_SCRIPT ??= file;
  const m = new Module(file) as Module & { _compile(code: string, filename: string): unknown; paths: string[] };
  m.filename = file;
  m.paths = paths;
  // A CommonJS module body may `return`: the async wrapper's promise carries top-level awaits.
  // The source map comment stays last so stack traces point into FILE.ts.
  const body = js.replace(/\n\/\/# sourceMappingURL=.*\s*$/, '');
  const map = js.slice(body.length);
  await (m._compile(`return (async () => {${body}\n})();${map}`, file) as Promise<void>);
}

/** Outside a kernel tslab's `display` throws; cells that import it get the text stand-in. */
function installTextDisplay(paths: string[]): void {
  let tslabPath: string;
  try {
    tslabPath = require.resolve('tslab', { paths });
  } catch {
    return;
  }
  const shim = new Module(tslabPath);
  shim.filename = tslabPath;
  shim.loaded = true;
  shim.exports = { display: textDisplay, isNode: true, isBrowser: false };
  require.cache[tslabPath] = shim;
}
