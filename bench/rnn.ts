/**
 * Training throughput of the seeds' recurrent model: tfjs's LSTM/GRU layers vs
 * the fused WASM kernels (same run, same backend), the GEMM peak, and, when
 * Debian's python3-torch is installed, PyTorch on one CPU thread as the
 * reference to beat. Run: node dist/bench/rnn.js [--json]
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { benchCommand } from '../src/cli/bench';

interface TorchResult {
  readonly cell: string;
  readonly msPerEpoch: number;
  readonly samplesPerSec: number;
}

function torchReference(cell: string, samples: number): TorchResult | string {
  const script = join(__dirname, '..', '..', 'bench', 'rnn_torch.py');
  const run = spawnSync('/usr/bin/python3', [script, '--cell', cell, '--samples', String(samples)], { encoding: 'utf8' });
  if (run.status !== 0) return `PyTorch reference unavailable: ${(run.stderr || run.error?.message || '').trim().split('\n').at(-1)}`;
  return JSON.parse(run.stdout) as TorchResult;
}

async function main(): Promise<void> {
  const asJson = process.argv.includes('--json');
  const { json, text } = await benchCommand.run({}, ['rnn']);
  const samples = (json.setup as { samples: number }).samples;
  const fused = json.samplesPerSec as Record<string, { fused: number }>;
  const torch = Object.keys(fused).map((cell) => {
    const ref = torchReference(cell, samples);
    return typeof ref === 'string' ? { cell, note: ref } : { ...ref, fusedOverTorch: fused[cell].fused / ref.samplesPerSec };
  });
  if (asJson) {
    console.log(JSON.stringify({ ...json, torch }, null, 2));
    return;
  }
  console.log(text);
  for (const t of torch) {
    console.log('note' in t ? `${t.cell}: ${t.note}` : `${t.cell}: PyTorch 1 thread ${Math.round(t.msPerEpoch)} ms/epoch, ${Math.round(t.samplesPerSec)} samples/s; fused is ${t.fusedOverTorch.toFixed(2)}x PyTorch`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
