import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | undefined;

/**
 * Let native objects whose JS handles are gone free their memory now: a full
 * garbage collection, then a turn of the event loop (Node runs addon
 * finalizers after the task that collected them). nodejs-polars frees a
 * frame's columns only that way, and its frames weigh almost nothing on V8's
 * heap, so V8 alone would not collect for gigabytes of them.
 */
export async function releaseNativeMemory(): Promise<void> {
  if (!collect) {
    // Exposes `gc` to contexts created from now on, without a command-line flag.
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  collect();
  await new Promise<void>((resolve) => setImmediate(resolve));
}
