import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { helperLiveBytes, kernelHeap, kernelThreads, type RecurrentShape, recurrentBackward, recurrentForward, releaseTape, setKernelThreads, stopKernelThreads } from '../src/kernels';
import { Rng } from '../src/util/random';

function random(rng: Rng, n: number, scale: number): Float32Array {
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = (rng.uniform() * 2 - 1) * scale;
  return v;
}

function run(threads: number, s: RecurrentShape, seed: number) {
  setKernelThreads(threads);
  const rng = new Rng(seed);
  const g = s.kind === 'lstm' ? 4 : 3;
  const x = random(rng, s.batch * s.steps * s.inDim, 1);
  const weights = { kernel: random(rng, s.inDim * g * s.units, 0.4), recurrentKernel: random(rng, s.units * g * s.units, 0.4), bias: random(rng, g * s.units, 0.2) };
  const { output, tape } = recurrentForward(s, x, weights);
  const grads = recurrentBackward(tape!, random(rng, output.length, 1));
  return { output, ...grads };
}

function maxRelative(a: Float32Array, b: Float32Array): number {
  let scale = 0;
  for (const v of b) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / scale);
  return worst;
}

describe('fused kernels on several threads', () => {
  const initial = kernelThreads();
  after(async () => {
    setKernelThreads(initial);
    await stopKernelThreads();
  });

  for (const kind of ['lstm', 'gru'] as const) {
    for (const returnSequences of [true, false]) {
      it(`${kind}${returnSequences ? ' sequences' : ''}: 3 threads give the same outputs and input gradients bit for bit, weight gradients to rounding`, () => {
        // 29 rows: uneven slices (9, 10, 10) and units not a multiple of 4.
        const s: RecurrentShape = { kind, batch: 29, steps: 6, inDim: 5, units: 7, gateActivation: 'sigmoid', returnSequences };
        const one = run(1, s, 3);
        const three = run(3, s, 3);
        assert.deepEqual(three.output, one.output);
        assert.deepEqual(three.dx, one.dx);
        for (const key of ['dKernel', 'dRecurrentKernel', 'dBias'] as const) {
          const err = maxRelative(three[key], one[key]);
          assert.ok(err < 1e-5, `${key}: relative difference ${err}`);
        }
        // Same thread count, same bits.
        const again = run(3, s, 3);
        for (const key of ['output', 'dx', 'dKernel', 'dRecurrentKernel', 'dBias'] as const) assert.deepEqual(again[key], three[key]);
      });
    }
  }

  it('frees kernel memory on every thread after backward and after releaseTape', () => {
    setKernelThreads(2);
    const s: RecurrentShape = { kind: 'lstm', batch: 20, steps: 4, inDim: 3, units: 4, gateActivation: 'hardSigmoid', returnSequences: false };
    const mainBefore = kernelHeap().liveBytes();
    const rng = new Rng(5);
    const weights = { kernel: random(rng, 3 * 16, 0.5), recurrentKernel: random(rng, 4 * 16, 0.5) };
    const { tape } = recurrentForward(s, random(rng, 20 * 4 * 3, 1), weights);
    assert.ok(helperLiveBytes() > 0, 'the helper thread holds no activations for its slice');
    releaseTape(tape!);
    assert.equal(helperLiveBytes(), 0);
    assert.equal(kernelHeap().liveBytes(), mainBefore);
    assert.throws(() => recurrentBackward(tape!, new Float32Array(20 * 4)), /already released/);
  });

  it('rejects a thread count that is not a positive integer', () => {
    assert.throws(() => setKernelThreads(0), /positive integer/);
    assert.throws(() => setKernelThreads(1.5), /positive integer/);
  });
});
