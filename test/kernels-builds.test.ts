import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { KERNEL_BUILDS, kernelBuild, kernelHeap } from '../src/kernels';

// The other test files run on the build this machine picks (the native one where it compiled);
// this one runs the kernel suites again on every other build, in child processes, since a
// thread instantiates one build for good.
const SUITES = ['kernels-recurrent.test.js', 'kernels-threads.test.js', 'nn-layers.test.js'];

test('the default build is the fastest one available, and STOCKLAB_KERNELS names a wrong build', () => {
  kernelHeap();
  const chosen = kernelBuild();
  assert.ok(chosen !== undefined && KERNEL_BUILDS.includes(chosen));
  const bad = spawnSync(process.execPath, ['-e', "require('./dist/src/kernels').kernelHeap()"], { cwd: join(__dirname, '..', '..'), env: { ...process.env, STOCKLAB_KERNELS: 'avx9000' }, encoding: 'utf8' });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /STOCKLAB_KERNELS must be one of native, relaxed-simd, simd; got "avx9000"/);
});

for (const build of KERNEL_BUILDS) {
  test(`kernel suites pass on the ${build} build`, (t) => {
    kernelHeap();
    if (build === kernelBuild()) return t.skip(`${build} is this process's build; the suites ran on it directly`);
    // Without NODE_TEST_CONTEXT the child runner reports on its own stdout, not to this runner.
    const { NODE_TEST_CONTEXT: _, ...env } = process.env;
    const run = spawnSync(process.execPath, ['--test', '--test-reporter=tap', ...SUITES.map((f) => join(__dirname, f))], { env: { ...env, STOCKLAB_KERNELS: build }, encoding: 'utf8', timeout: 300_000 });
    const unavailable = /STOCKLAB_KERNELS=\S+: (.*)/.exec(run.stdout + run.stderr);
    if (run.status !== 0 && unavailable) return t.skip(`${build} cannot run here: ${unavailable[1]}`);
    assert.equal(run.status, 0, `suites failed on the ${build} build:\n${failures(run.stdout)}${run.stderr.slice(-2000)}`);
    assert.match(run.stdout, /# fail 0/);
  });
}

/** The failing subtests of a TAP report, each with the lines of its YAML block (what and why). */
function failures(tap: string): string {
  const lines = tap.split('\n');
  const out: string[] = [];
  lines.forEach((line, i) => {
    if (/^\s*not ok /.test(line)) out.push(...lines.slice(i, i + 25));
  });
  return out.length ? out.join('\n') : tap.slice(-3000);
}
