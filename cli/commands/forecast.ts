import { readFileSync } from 'node:fs';
import { InputError, UsageError } from '../../core/errors.ts';
import {
  type ForecastSeriesResult,
  forecastSeries,
  formatTimestamp,
  readSeriesCsv,
  type SeriesCsv,
} from '../../models/forecast/index.ts';
import { EXIT, type GlobalOptions } from '../shared.ts';

/** Options of `aegis forecast`, as commander hands them over (strings). */
export interface ForecastOptions extends GlobalOptions {
  input?: string;
  horizon?: string;
  level?: string;
  period?: string;
}

/** Shares of irregular steps above this get a warning: future timestamps assume the median step. */
const IRREGULAR_WARN_SHARE = 0.01;

/** A whole number ≥ 1 from an option, or a UsageError naming the option. */
function positiveInteger(option: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < 1) {
    throw new UsageError(`${option} must be a positive integer (got ${JSON.stringify(raw)})`);
  }
  return Number(raw);
}

/** `12.3456789` → `12.345679`: eight significant digits are more than any forecast deserves. */
const num = (x: number) => String(Number(x.toPrecision(8)));

/** The forecast as CSV: one row per future step, timestamps continuing the input's median step. */
export function forecastCsv(series: SeriesCsv, result: ForecastSeriesResult): string {
  const last = series.timestamps.at(-1)!;
  const { yhat, lower, upper } = result.forecast;
  const rows = yhat.map(
    (y, i) =>
      `${formatTimestamp(last + (i + 1) * series.intervalMs, series.style)},${num(y)},${num(lower[i]!)},${num(upper[i]!)}`,
  );
  return `timestamp,yhat,lower,upper\n${rows.join('\n')}\n`;
}

/** A score for humans: three decimals, `n/a` when the seasonal-naive scale is zero (an exactly repeating history). */
const score = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');

/** The chosen model and every candidate's backtest MASE (and MAE, in the series' unit), for stderr. */
export function forecastSummary(result: ForecastSeriesResult): string {
  const season = result.scalePeriod > 1 ? `seasonal-naive scale m=${result.scalePeriod}` : 'naive scale m=1';
  const lines = [
    `model: ${result.model} backtest MASE ${score(result.mase)} (${result.origins} origins, ${season}; ${result.forecast.level}% interval ${result.intervals})`,
    'candidates (backtest MASE, MAE):',
    ...result.candidates.map((c) => {
      const scores = Number.isFinite(c.mae) ? `${score(c.mase).padStart(9)} ${num(c.mae)}` : '   failed';
      return `  ${c.label.padEnd(42)}${scores}${c.note ? ` (${c.note})` : ''}`;
    }),
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * `aegis forecast --input FILE.csv --horizon N [--level 80] [--period P]`: reads a `timestamp,value`
 * CSV, writes `timestamp,yhat,lower,upper` for N future steps to stdout and the chosen model with
 * its backtest MASE (and the other candidates') to stderr. Bad options or input exit 2.
 */
export async function forecastCommand(options: ForecastOptions): Promise<number> {
  if (!options.input) throw new UsageError('--input FILE.csv is required');
  const horizon = positiveInteger('--horizon', options.horizon);
  if (horizon === undefined) throw new UsageError('--horizon N is required');
  const period = positiveInteger('--period', options.period);
  const level = Number(options.level ?? 80);
  if (!(level > 0 && level < 100)) {
    throw new UsageError(
      `--level must be a percentage between 0 and 100 exclusive (got ${JSON.stringify(options.level)})`,
    );
  }
  let text: Buffer;
  try {
    text = readFileSync(options.input);
  } catch (err) {
    throw new UsageError(`cannot read --input ${options.input}: ${(err as Error).message}`, { cause: err });
  }
  let series: SeriesCsv;
  let result: ForecastSeriesResult;
  try {
    series = readSeriesCsv(text);
    result = forecastSeries(series.values, {
      horizon,
      level,
      intervalMs: series.intervalMs,
      ...(period !== undefined ? { period } : {}),
    });
  } catch (err) {
    // The file is the command's input: a bad row is a usage problem the user fixes and reruns.
    if (err instanceof InputError) throw new UsageError(`${options.input}: ${err.message}`, { cause: err });
    throw err;
  }
  if (series.irregularShare > IRREGULAR_WARN_SHARE) {
    process.stderr.write(
      `aegis: warning: ${(series.irregularShare * 100).toFixed(1)}% of steps differ from the median step of ${series.intervalMs} ms; values are treated as evenly spaced\n`,
    );
  }
  process.stdout.write(forecastCsv(series, result));
  process.stderr.write(forecastSummary(result));
  return EXIT.ok;
}
