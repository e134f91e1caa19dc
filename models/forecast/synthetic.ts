/** Seeded series for tests and measurements: the same seed gives the same numbers on every machine. */

/** Standard normal draws from a seeded LCG with Box–Muller; not for anything cryptographic. */
export function seededNormal(seed: number): () => number {
  let s = Math.abs(Math.floor(seed)) % 2147483648;
  const u = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s + 1) / 2147483649;
  };
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

/** Shape of `syntheticHourly`. */
export interface SyntheticHourlyParams {
  points: number;
  seed: number;
  /** Mean level. @default 100 */
  level?: number;
  /** Half the peak-to-trough daily swing, as a share of the level. @default 0.3 */
  dailyAmplitude?: number;
  /** Weekend demand as a share of weekday demand (1: no weekly cycle). @default 1 */
  weekendFactor?: number;
  /** Noise standard deviation as a share of the level. @default 0.05 */
  noise?: number;
  /** Random-walk step of the level per hour, as a share of the level (slow drift). @default 0.002 */
  drift?: number;
}

/** Hourly series: daily cosine peaking at 13:00, optional weekend dip, random-walk drift, Gaussian noise. */
export function syntheticHourly(p: SyntheticHourlyParams): number[] {
  const normal = seededNormal(p.seed);
  const level = p.level ?? 100;
  let walk = 0;
  return Array.from({ length: p.points }, (_, t) => {
    walk += (p.drift ?? 0.002) * level * normal();
    const hour = t % 24;
    const weekend = Math.floor(t / 24) % 7 >= 5 ? (p.weekendFactor ?? 1) : 1;
    const daily = 1 + (p.dailyAmplitude ?? 0.3) * Math.cos((2 * Math.PI * (hour - 13)) / 24);
    return (level + walk) * daily * weekend + (p.noise ?? 0.05) * level * normal();
  });
}
