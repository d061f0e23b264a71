import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * The library's layering, read from its sources: the import graph has no cycles, nothing
 * imports the CLI, and every import runs down the stages in the order the data flows.
 */
const SRC = resolve(__dirname, '..', '..', 'src');

/** Stage of each top-level folder (or root file): an import may only reach the same or a lower stage. */
const STAGE: Record<string, number> = {
  'errors.ts': 0,
  util: 0,
  config: 0,
  'backend.ts': 0,
  kernels: 1,
  data: 2,
  records: 3,
  features: 4,
  labels: 5,
  split: 6,
  scale: 7,
  window: 8,
  dataset: 9,
  train: 10,
  models: 11,
  evaluate: 12,
  backtest: 13,
  experiment: 14,
  plot: 15,
  report: 16,
  artifacts: 17,
  'index.ts': 18,
  'internals.ts': 18,
  cli: 19,
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function resolveImport(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = resolve(dirname(from), spec);
  for (const candidate of [`${base}.ts`, join(base, 'index.ts')]) if (existsSync(candidate)) return candidate;
  throw new Error(`${relative(SRC, from)}: cannot resolve ${spec}`);
}

const graph = new Map<string, string[]>(
  files(SRC).map((f) => {
    const text = readFileSync(f, 'utf8');
    const specs = [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'|^\s*import\s+'([^']+)'/gm)].map((m) => m[1] ?? m[2]);
    return [f, specs.map((s) => resolveImport(f, s)).filter((x): x is string => x !== undefined)];
  }),
);

const stageOf = (f: string) => {
  const top = relative(SRC, f).split('/')[0];
  const stage = STAGE[top];
  if (stage === undefined) throw new Error(`no stage declared for src/${top}`);
  return stage;
};

test('nothing in the library imports the CLI', () => {
  const offenders = [...graph].flatMap(([f, deps]) => (relative(SRC, f).startsWith('cli/') ? [] : deps.filter((d) => relative(SRC, d).startsWith('cli/')).map((d) => `${relative(SRC, f)} -> ${relative(SRC, d)}`)));
  assert.deepEqual(offenders, []);
});

test('every import runs down the stages (data -> records -> features -> ... -> artifacts -> cli)', () => {
  const uphill = [...graph].flatMap(([f, deps]) => deps.filter((d) => stageOf(d) > stageOf(f)).map((d) => `${relative(SRC, f)} -> ${relative(SRC, d)}`));
  assert.deepEqual(uphill, []);
});

test('the import graph has no cycles', () => {
  // Tarjan's strongly connected components; any component of more than one file is a cycle.
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(relative(SRC, w));
      } while (w !== v);
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  assert.deepEqual(cycles, []);
});

test('the public entry point is curated: tens of names, no internals', async () => {
  const api = await import('../src/index');
  const names = Object.keys(api);
  assert.ok(names.length >= 40 && names.length <= 150, `${names.length} runtime exports`);
  for (const internal of ['kernelHeap', 'releaseTape', 'normCdf', 'normalCdf', 'sampleWeights', 'quantileCuts']) assert.ok(!names.includes(internal), `${internal} is exported`);
  for (const needed of ['loadBars', 'runExperiment', 'createModel', 'buildDataset', 'showFigure', 'parseExperimentConfig', 'scoreForecasts']) assert.ok(names.includes(needed), `${needed} is missing`);
});
