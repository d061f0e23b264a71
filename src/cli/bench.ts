import { UsageError } from '../errors';
import { benchRnnTraining, gemmPeak, layerKernelRate } from '../kernels/benchmark';
import { type RecurrentKind } from '../kernels/recurrent';
import { type Command, listFlag, numberFlag } from './command';
import { formatTable } from '../util/table';

const CELLS: readonly RecurrentKind[] = ['lstm', 'gru'];

export const benchCommand: Command = {
  name: 'bench',
  summary: 'measure training throughput: tfjs recurrent layers vs the fused WASM kernels',
  help: `Usage: stocklab bench rnn [--cells lstm,gru] [--samples N] [--json]

Trains the seeds' model (N windows x 60 steps x 10 features, RNN(50) -> RNN(50) ->
Dense(25) -> Dense(1), batch 32, Adam) on the wasm backend with tfjs's own LSTM/GRU
layers and with the fused ones, in the same run, and prints samples/s, ms per epoch
and the speedup; then the SIMD GEMM peak of this core and how close one fused
layer's forward+backward runs to it. STOCKLAB_FAST=1 shrinks N to 128.`,
  options: { cells: { type: 'string', multiple: true }, samples: { type: 'string' } },
  positionals: [{ name: 'benchmark', values: ['rnn'] }],
  async run(flags) {
    const cells = listFlag(flags, 'cells') ?? CELLS;
    for (const c of cells) if (!(CELLS as readonly string[]).includes(c)) throw new UsageError(`--cells must list lstm and/or gru; got "${c}"`);
    const samples = numberFlag(flags, 'samples', (n) => Number.isInteger(n) && n > 0);
    const result = await benchRnnTraining({ cells: cells as RecurrentKind[], samples });
    const gemm = gemmPeak();
    const kernels = (cells as RecurrentKind[]).map((c) => layerKernelRate(c, gemm.peakGflops));
    const samplesPerSec = Object.fromEntries(
      (cells as RecurrentKind[]).map((c) => [c, Object.fromEntries(result.rows.filter((r) => r.cell === c).map((r) => [r.implementation, r.samplesPerSec]))]),
    );
    const json = { bench: 'rnn', setup: result.setup, samplesPerSec, speedup: result.speedup, rows: result.rows, gemm, kernels };
    const text = [
      formatTable(
        ['cell', 'implementation', 'backend', 'ms/epoch', 'samples/s'],
        result.rows.map((r) => [r.cell, r.implementation, r.backend, Math.round(r.msPerEpoch), Math.round(r.samplesPerSec)]),
      ),
      ...Object.entries(result.speedup).map(([c, s]) => `${c}: fused is ${s.toFixed(1)}x tfjs`),
      `SIMD GEMM peak (one core, f32x4): ${gemm.peakGflops.toFixed(1)} GFLOP/s`,
      ...kernels.map((k) => `${k.cell} layer forward+backward: ${k.msPerBatch.toFixed(2)} ms/batch, ${k.gflops.toFixed(1)} GFLOP/s = ${(100 * k.fractionOfPeak).toFixed(0)}% of peak`),
    ].join('\n');
    return { json, text };
  },
};
