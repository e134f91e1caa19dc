// Windowed scoring in the style of the Numenta Anomaly Benchmark, written from its published
// description (not from its code): a detection early in a labelled window earns up to A_TP, one late
// in the window almost nothing; only the first detection of a window counts; a window with none costs
// A_FN; a detection outside every window costs A_FP, less just after a window. One threshold is
// chosen for the whole corpus, and the total is normalised between the null and the perfect detector.

/** Weights of a scoring profile. */
export interface NabProfile {
  tp: number;
  fp: number;
  fn: number;
}

/** NAB's standard profile: A_TP = 1, A_FP = -0.11, A_FN = -1. */
export const NAB_STANDARD: NabProfile = { tp: 1, fp: -0.11, fn: -1 };

/** One scored file: timestamps (ms), scores in input order, labelled windows (inclusive, ms). */
export interface NabFile {
  name: string;
  timestampsMs: readonly number[];
  scores: ArrayLike<number>;
  windows: readonly { startMs: number; endMs: number }[];
}

/** Score of the corpus at its best threshold. */
export interface NabResult {
  /** Normalised score: 0 = never detecting, 100 = every window detected at its first point. */
  score: number;
  threshold: number;
  raw: number;
  tp: number;
  fp: number;
  fn: number;
}

/** NAB's probation: the first 15 % of a file (at most 750 rows) is never scored. */
export function nabProbation(length: number): number {
  return Math.min(Math.floor(0.15 * length), 750);
}

/** NAB's scaled sigmoid of a relative position: ≈ 1 at a window's start, 0 at its end, → -1 long after. */
export function scaledSigmoid(y: number): number {
  if (y > 3) return -1;
  return 2 / (1 + Math.exp(5 * y)) - 1;
}

interface Row {
  score: number;
  file: number;
  /** Window index (per file) or -1. */
  window: number;
  /** Value if it is the window's first detection (TP), or its cost as a false positive. */
  value: number;
  row: number;
}

/** Finds the corpus-wide threshold with the best total and returns the normalised score there. */
export function scoreNab(files: readonly NabFile[], profile: NabProfile = NAB_STANDARD): NabResult {
  const rows: Row[] = [];
  let windowsTotal = 0;
  let perfect = 0;
  const windowOffset: number[] = [];
  for (const [f, file] of files.entries()) {
    const ts = file.timestampsMs;
    const probation = nabProbation(ts.length);
    const spans = file.windows
      .map((w) => {
        let s = -1;
        let e = -1;
        for (let i = 0; i < ts.length; i++) {
          if (ts[i]! >= w.startMs && ts[i]! <= w.endMs) {
            if (s < 0) s = i;
            e = i;
          }
        }
        return { s, e };
      })
      .filter((w) => w.s >= 0);
    windowOffset.push(windowsTotal);
    windowsTotal += spans.length;
    perfect += spans.length * profile.tp * scaledSigmoid(-1);
    let wi = 0;
    let prev: { s: number; e: number } | undefined;
    for (let i = 0; i < ts.length; i++) {
      while (wi < spans.length && spans[wi]!.e < i) prev = spans[wi++];
      if (i < probation) continue;
      const cur = wi < spans.length && spans[wi]!.s <= i ? spans[wi]! : undefined;
      let value: number;
      let window = -1;
      if (cur) {
        const len = cur.e - cur.s + 1;
        value = profile.tp * scaledSigmoid(-(cur.e - i + 1) / len);
        window = windowOffset[f]! + wi;
      } else if (prev) {
        const len = prev.e - prev.s + 1;
        value = -profile.fp * scaledSigmoid((i - prev.e) / len);
      } else {
        value = profile.fp;
      }
      rows.push({ score: file.scores[i] ?? 0, file: f, window, value, row: i });
    }
  }
  const nullRaw = profile.fn * windowsTotal;
  // Sweep thresholds from high to low; a window's value is that of its earliest detection so far.
  rows.sort((a, b) => b.score - a.score);
  const earliest = new Array<number>(windowsTotal).fill(Number.POSITIVE_INFINITY);
  const windowValue = new Array<number>(windowsTotal).fill(0);
  let raw = nullRaw;
  let tp = 0;
  let fp = 0;
  let best: NabResult = { score: 0, threshold: 1.01, raw, tp: 0, fp: 0, fn: windowsTotal };
  for (let i = 0; i < rows.length; ) {
    const threshold = rows[i]!.score;
    while (i < rows.length && rows[i]!.score === threshold) {
      const r = rows[i++]!;
      if (r.window < 0) {
        raw += r.value;
        fp++;
      } else if (r.row < earliest[r.window]!) {
        if (earliest[r.window] === Number.POSITIVE_INFINITY) {
          raw += r.value - profile.fn;
          tp++;
        } else raw += r.value - windowValue[r.window]!;
        earliest[r.window] = r.row;
        windowValue[r.window] = r.value;
      }
    }
    if (raw > best.raw && threshold > 0) best = { score: 0, threshold, raw, tp, fp, fn: windowsTotal - tp };
  }
  const span = perfect - nullRaw;
  best.score = span > 0 ? (100 * (best.raw - nullRaw)) / span : 0;
  return best;
}

/** Parses a NAB timestamp (`2014-04-10 07:15:00.000000`), ISO 8601 (no zone means UTC) or epoch seconds or
 *  milliseconds (by magnitude) as UTC milliseconds; NaN when it is none of these. */
export function parseNabTimestamp(text: string): number {
  const t = text.trim();
  if (/^\d{9,13}(\.\d+)?$/.test(t)) {
    const n = Number(t);
    // Ten digits or fewer are seconds (until 2286), more are milliseconds.
    return n < 1e11 ? n * 1000 : n;
  }
  const iso = /^\d{4}-\d{2}-\d{2} \d/.test(t) ? `${t.replace(' ', 'T')}` : t;
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/.test(iso);
  return Date.parse(hasZone || !iso.includes('T') ? iso : `${iso.slice(0, 23)}Z`);
}
