/** Box bounds of one parameter, inclusive. */
export interface Bounds {
  lo: number;
  hi: number;
}

/** Options of `minimize`. */
export interface MinimizeOptions {
  /** Stop after this many objective evaluations. @default 400 */
  maxEvaluations?: number;
  /** Stop when the simplex's best and worst values differ by less than this, relatively. @default 1e-8 */
  tolerance?: number;
}

/** Where `minimize` ended: the best point found and its objective value. */
export interface MinimizeResult {
  x: number[];
  value: number;
  evaluations: number;
}

// The simplex moves in an unbounded space; a logistic map keeps every trial point inside the box,
// so the objective never sees an invalid smoothing weight.
const toBox = (u: number, b: Bounds) => b.lo + (b.hi - b.lo) / (1 + Math.exp(-u));
function fromBox(x: number, b: Bounds): number {
  const p = Math.min(Math.max((x - b.lo) / (b.hi - b.lo), 1e-6), 1 - 1e-6);
  return Math.log(p / (1 - p));
}

/**
 * Minimises `f` over a box with Nelder–Mead (standard coefficients 1, 2, 0.5, 0.5). Meant for the
 * 1–4 smoothing parameters of exponential smoothing: a few hundred evaluations, no gradients.
 * Non-finite objective values count as +Infinity, so `f` may reject a region by returning NaN.
 */
export function minimize(
  f: (x: number[]) => number,
  start: readonly number[],
  bounds: readonly Bounds[],
  options: MinimizeOptions = {},
): MinimizeResult {
  const maxEvaluations = options.maxEvaluations ?? 400;
  const tolerance = options.tolerance ?? 1e-8;
  const dim = start.length;
  let evaluations = 0;
  const g = (u: number[]) => {
    evaluations++;
    const v = f(u.map((ui, i) => toBox(ui, bounds[i]!)));
    return Number.isFinite(v) ? v : Number.POSITIVE_INFINITY;
  };
  const u0 = start.map((x, i) => fromBox(x, bounds[i]!));
  const simplex: { u: number[]; v: number }[] = [{ u: u0, v: g(u0) }];
  for (let i = 0; i < dim; i++) {
    const u = [...u0];
    u[i] = u[i]! + 1;
    simplex.push({ u, v: g(u) });
  }
  const along = (from: number[], to: number[], t: number) => from.map((x, i) => x + t * (to[i]! - x));

  while (evaluations < maxEvaluations) {
    simplex.sort((a, b) => a.v - b.v);
    const best = simplex[0]!;
    const worst = simplex[dim]!;
    if (Math.abs(worst.v - best.v) <= tolerance * (Math.abs(best.v) + 1e-12)) break;
    const centroid = new Array<number>(dim).fill(0);
    for (let j = 0; j < dim; j++) for (let i = 0; i < dim; i++) centroid[i]! += simplex[j]!.u[i]! / dim;

    const reflected = along(centroid, worst.u, -1);
    const vr = g(reflected);
    if (vr < best.v) {
      const expanded = along(centroid, worst.u, -2);
      const ve = g(expanded);
      simplex[dim] = ve < vr ? { u: expanded, v: ve } : { u: reflected, v: vr };
    } else if (vr < simplex[dim - 1]!.v) {
      simplex[dim] = { u: reflected, v: vr };
    } else {
      const contracted = vr < worst.v ? along(centroid, reflected, 0.5) : along(centroid, worst.u, 0.5);
      const vc = g(contracted);
      if (vc < Math.min(vr, worst.v)) {
        simplex[dim] = { u: contracted, v: vc };
      } else {
        for (let j = 1; j <= dim; j++) {
          const u = along(best.u, simplex[j]!.u, 0.5);
          simplex[j] = { u, v: g(u) };
        }
      }
    }
  }
  simplex.sort((a, b) => a.v - b.v);
  const best = simplex[0]!;
  return { x: best.u.map((u, i) => toBox(u, bounds[i]!)), value: best.v, evaluations };
}
