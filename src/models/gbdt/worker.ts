/**
 * A GBDT helper thread (see parallel.ts): waits on the pool's generation word, runs the task
 * posted to it, replies, and counts itself done. Tasks name shared arrays by id.
 */
import { type MessagePort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { type BinnedMatrix, binRows, cutsOfFeatures } from './binning';
import { buildHistogram } from './kernels';

type Shared = Float32Array | Float64Array | Uint8Array | Uint16Array | Uint32Array;
const TYPES: Record<string, new (b: ArrayBufferLike, offset: number, length: number) => Shared> = { Float32Array, Float64Array, Uint8Array, Uint16Array, Uint32Array };

const ctrl = new Int32Array(workerData.ctrl as SharedArrayBuffer);
const port = workerData.port as MessagePort;
const arrays = new Map<number, Shared>();
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Msg = any;

function run(t: Msg): unknown {
  const a = <T extends Shared>(id: number) => arrays.get(id) as T;
  switch (t.kind) {
    case 'cuts':
      return cutsOfFeatures(a<Float32Array>(t.x), t.rows, t.features, t.f0, t.f1, t.maxBin);
    case 'bin': {
      const m = { codes: a(t.codes), rowStride: t.rowStride, rows: t.rows, features: t.features, cuts: t.cuts } as BinnedMatrix;
      binRows(a<Float32Array>(t.x), m, t.r0, t.r1);
      return null;
    }
    case 'hist':
      buildHistogram(a<Float64Array>(t.hist), a<Uint8Array>(t.codes), t.rowStride, t.slot, t.list, t.k0, t.k1, a<Float64Array>(t.gh), null, t.begin, t.end);
      return null;
    default:
      throw new Error(`unknown task kind "${String(t.kind)}"`);
  }
}

let generation = 0;
Atomics.add(ctrl, 2, 1);
Atomics.notify(ctrl, 2);
for (;;) {
  Atomics.wait(ctrl, 0, generation);
  generation = Atomics.load(ctrl, 0);
  let task: Msg;
  for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
    const msg = m.message as Msg;
    if (msg.kind === 'share') arrays.set(msg.id, new TYPES[msg.type](msg.buffer, msg.offset, msg.length / TYPES[msg.type].prototype.BYTES_PER_ELEMENT));
    else if (msg.kind === 'unshare') arrays.delete(msg.id);
    else task = msg;
  }
  if (task?.kind === 'quit') break;
  if (task === undefined) continue;
  try {
    port.postMessage({ result: run(task) });
  } catch (e) {
    port.postMessage({ error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  }
  Atomics.add(ctrl, 1, 1);
  Atomics.notify(ctrl, 1);
}
port.close();
