/** Objective value at `w`, with its gradient written into `grad`. */
export type Objective = (w: Float64Array, grad: Float64Array) => number;

export interface LbfgsOptions {
  /** Default 500. */
  readonly maxIterations?: number;
  /** Converged when the largest gradient component is at most this. Default 1e-9. */
  readonly gradientTolerance?: number;
  /** Correction pairs kept. Default 10. */
  readonly memory?: number;
}

export interface LbfgsResult {
  readonly w: Float64Array;
  readonly value: number;
  readonly iterations: number;
  readonly converged: boolean;
}

/** Limited-memory BFGS with a backtracking (Armijo) line search, for smooth convex objectives. */
export function minimizeLbfgs(f: Objective, start: Float64Array, options: LbfgsOptions = {}): LbfgsResult {
  const maxIter = options.maxIterations ?? 500;
  const tol = options.gradientTolerance ?? 1e-9;
  const m = options.memory ?? 10;
  const d = start.length;
  const w = Float64Array.from(start);
  const g = new Float64Array(d);
  const wNew = new Float64Array(d);
  const gNew = new Float64Array(d);
  const dir = new Float64Array(d);
  const s: Float64Array[] = [];
  const y: Float64Array[] = [];
  const rho: number[] = [];
  const alpha = new Float64Array(m);
  let value = f(w, g);
  const dot = (a: Float64Array, b: Float64Array) => {
    let t = 0;
    for (let i = 0; i < d; i++) t += a[i] * b[i];
    return t;
  };
  const maxAbs = (a: Float64Array) => a.reduce((mx, v) => Math.max(mx, Math.abs(v)), 0);
  for (let iter = 0; iter < maxIter; iter++) {
    if (maxAbs(g) <= tol) return { w, value, iterations: iter, converged: true };
    // Two-loop recursion: dir = -H g.
    dir.set(g);
    for (let j = s.length - 1; j >= 0; j--) {
      alpha[j] = rho[j] * dot(s[j], dir);
      for (let i = 0; i < d; i++) dir[i] -= alpha[j] * y[j][i];
    }
    const gamma = s.length > 0 ? dot(s[s.length - 1], y[y.length - 1]) / dot(y[y.length - 1], y[y.length - 1]) : 1 / Math.max(1, maxAbs(g));
    for (let i = 0; i < d; i++) dir[i] *= gamma;
    for (let j = 0; j < s.length; j++) {
      const beta = rho[j] * dot(y[j], dir);
      for (let i = 0; i < d; i++) dir[i] += s[j][i] * (alpha[j] - beta);
    }
    for (let i = 0; i < d; i++) dir[i] = -dir[i];
    let slope = dot(g, dir);
    if (slope >= 0) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      s.length = y.length = rho.length = 0;
      for (let i = 0; i < d; i++) dir[i] = -g[i];
      slope = dot(g, dir);
    }
    let step = 1;
    let next = Infinity;
    for (let tries = 0; tries < 60; tries++) {
      for (let i = 0; i < d; i++) wNew[i] = w[i] + step * dir[i];
      next = f(wNew, gNew);
      if (next <= value + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    if (!(next <= value)) return { w, value, iterations: iter, converged: false };
    const sk = new Float64Array(d);
    const yk = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      sk[i] = wNew[i] - w[i];
      yk[i] = gNew[i] - g[i];
    }
    const sy = dot(sk, yk);
    if (sy > 1e-12) {
      if (s.length === m) {
        s.shift();
        y.shift();
        rho.shift();
      }
      s.push(sk);
      y.push(yk);
      rho.push(1 / sy);
    }
    w.set(wNew);
    g.set(gNew);
    const improvement = value - next;
    value = next;
    if (improvement <= 1e-16 * Math.max(1, Math.abs(value))) return { w, value, iterations: iter + 1, converged: maxAbs(g) <= tol * 1e3 };
  }
  return { w, value, iterations: maxIter, converged: maxAbs(g) <= tol };
}
