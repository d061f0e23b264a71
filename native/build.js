#!/usr/bin/env node
// Compiles native/*.cc into dist/src/kernels/kernels.node, the native
// build of the fused kernels (see src/kernels/heap.ts for how one is chosen).
// Optional by design: without g++, on a CPU without AVX-512, or off x86-64,
// it says why and exits 0, and the WebAssembly kernels serve every caller.
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync, readFileSync, renameSync, rmSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const out = join(root, 'dist', 'src', 'kernels', 'kernels.node');
// The instruction sets the code uses; the loader checks the running CPU has them.
const FEATURES = ['avx512f', 'avx512dq', 'avx512bw', 'avx512vl', 'fma'];
const SOURCES = ['kernels.cc', 'gbdt.cc', 'arrays.cc'];
const FLAGS = ['-mavx512f', '-mavx512dq', '-mavx512bw', '-mavx512vl', '-mfma', '-mtune=native'];

function skip(why) {
  console.log(`native kernels: not built (${why}); the WebAssembly kernels will be used`);
  process.exit(0);
}

if (process.env.STOCKLAB_NATIVE === '0') skip('STOCKLAB_NATIVE=0');
if (process.platform !== 'linux' || process.arch !== 'x64') skip(`${process.platform}-${process.arch} is not linux-x64`);
const cpu = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
const flags = new Set((/^flags\s*:(.*)$/m.exec(cpu)?.[1] ?? '').trim().split(/\s+/));
const missing = FEATURES.filter((f) => !flags.has(f));
if (missing.length) skip(`this CPU lacks ${missing.join(', ')}`);

const tmp = `${out}.tmp-${process.pid}`;
const cc = process.env.CXX || 'g++';
const r = spawnSync(cc, ['-O3', '-std=c++17', '-shared', '-fPIC', '-fno-exceptions', '-fno-rtti', ...FLAGS, '-o', tmp, ...SOURCES.map((f) => join(__dirname, f))], { encoding: 'utf8' });
if (r.error) skip(`${cc}: ${r.error.message}`);
if (r.status !== 0) {
  rmSync(tmp, { force: true });
  skip(`${cc} failed: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
}
writeFileSync(`${out}.json`, `${JSON.stringify({ features: FEATURES, compiler: cc }, null, 2)}\n`);
renameSync(tmp, out);
console.log(`native kernels: built ${out}`);
