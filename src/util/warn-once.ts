/**
 * tfjs warns from inside its layers (e.g. "Orthogonal initializer is being called on a matrix
 * with more than 2000 ... elements") every time a model is built: per fold and per model in a
 * walk-forward run, filling notebooks with identical red boxes. From the first call on, each
 * distinct console.warn message is shown once per process; later repeats are dropped.
 */
export function showWarningsOnce(): void {
  if (installed) return;
  installed = true;
  const seen = new Set<string>();
  const warn = console.warn.bind(console);
  console.warn = (...args: unknown[]) => {
    const key = args.map(String).join(' ');
    if (seen.has(key)) return;
    seen.add(key);
    warn(...args);
  };
}

let installed = false;
