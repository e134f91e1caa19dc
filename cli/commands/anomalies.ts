import { readFileSync } from 'node:fs';
import { CsvError, parse as parseCsv } from 'csv-parse/sync';
import { InputError, messageOf, UsageError } from '../../core/errors.ts';
import {
  createAnomalyModelStore,
  loadTf,
  parseNabTimestamp,
  type SeriesPoint,
  scoreSeries,
} from '../../models/index.ts';
import { type GlobalOptions, setup } from '../shared.ts';

/** Options of `aegis anomalies`. */
export interface AnomaliesOptions extends GlobalOptions {
  input?: string;
  /** False with `--no-tf`: statistical detectors only. */
  tf?: boolean;
  /** Save the final detector state under this series id in `<dataDir>/models/anomaly`. */
  save?: string;
}

/** One input row, as read. */
export interface AnomalyCsvRow {
  /** The timestamp text exactly as in the input. */
  timestamp: string;
  /** The value text exactly as in the input. */
  valueText: string;
  point: SeriesPoint;
}

// Values that mean "no measurement": the row is kept and scores 0.
const MISSING = new Set(['', 'nan', 'null', 'na', 'n/a', 'none']);

/** Parses `timestamp,value` CSV text (more columns allowed and ignored); a malformed row fails with
 *  an `InputError` whose location names the line. */
export function parseAnomalyCsv(text: string, inputName: string): AnomalyCsvRow[] {
  let records: string[][];
  try {
    records = parseCsv(text, { bom: true, skip_empty_lines: true, trim: true, relax_column_count: false });
  } catch (err) {
    const line = err instanceof CsvError ? (err as CsvError & { lines?: number }).lines : undefined;
    throw new InputError(`${inputName}${line ? `: line ${line}` : ''}: ${messageOf(err)}`, {
      cause: err,
      ...(line ? { location: `line ${line}` } : {}),
    });
  }
  const header = records[0]?.map((h) => h.toLowerCase());
  if (header?.[0] !== 'timestamp' || header[1] !== 'value')
    throw new InputError(
      `${inputName}: line 1: the header must start with timestamp,value (got ${header ? header.join(',') : 'an empty file'})`,
      { location: 'line 1' },
    );
  const rows: AnomalyCsvRow[] = [];
  for (let i = 1; i < records.length; i++) {
    const [timestamp = '', valueText = ''] = records[i]!;
    // skip_empty_lines makes record numbers drift from line numbers only for blank lines; good enough
    // to point a reader at the row.
    const line = i + 1;
    const tsMs = parseNabTimestamp(timestamp);
    if (!Number.isFinite(tsMs))
      throw new InputError(`${inputName}: line ${line}: timestamp "${timestamp}" is not a date`, {
        location: `line ${line}`,
      });
    let value = Number.NaN;
    if (!MISSING.has(valueText.toLowerCase())) {
      value = Number(valueText);
      if (Number.isNaN(value))
        throw new InputError(`${inputName}: line ${line}: value "${valueText}" is not a number`, {
          location: `line ${line}`,
        });
    }
    rows.push({ timestamp, valueText, point: { tsMs, value } });
  }
  return rows;
}

/** `timestamp,value,anomaly_score` CSV text for scored rows, in input order. */
export function formatAnomalyCsv(rows: readonly AnomalyCsvRow[], scores: ArrayLike<number>): string {
  const out: string[] = ['timestamp,value,anomaly_score'];
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    const s = scores[i] ?? 0;
    out.push(`${csvField(r.timestamp)},${csvField(r.valueText)},${Number.isFinite(s) ? round6(s) : 0}`);
  }
  return `${out.join('\n')}\n`;
}

/** `aegis anomalies --input FILE.csv`: scores every row online (each score from earlier rows only) and
 *  writes `timestamp,value,anomaly_score` to stdout. Exit 0, or 2 when the file cannot be read or parsed. */
export async function anomaliesCommand(options: AnomaliesOptions): Promise<number> {
  if (!options.input) throw new UsageError('--input FILE.csv is required');
  let text: string;
  try {
    text = readFileSync(options.input, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${options.input}: ${messageOf(err)}`, { cause: err });
  }
  let rows: AnomalyCsvRow[];
  try {
    rows = parseAnomalyCsv(text, options.input);
  } catch (err) {
    // A malformed file is a usage error of this command (exit 2), the line named in the message.
    if (err instanceof InputError) throw new UsageError(err.message, { cause: err });
    throw err;
  }
  const started = performance.now();
  const tf = options.tf === false ? undefined : await loadTf();
  const { version, scores, detector } = await scoreSeries(
    rows.map((r) => r.point),
    { tf: tf ?? false },
  );
  process.stdout.write(formatAnomalyCsv(rows, scores));
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  process.stderr.write(`aegis anomalies: ${rows.length} rows scored by ${version} in ${seconds} s\n`);
  if (options.save) {
    const { config } = setup(options, options.logLevel ? {} : { logLevel: 'warn' });
    const store = createAnomalyModelStore({ dataDir: config.dataDir, tf, version: detector.version });
    const dir = await store.save(options.save, detector);
    process.stderr.write(`aegis anomalies: detector state saved in ${dir}\n`);
  }
  return 0;
}

function csvField(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function round6(x: number): string {
  return String(Math.round(x * 1e6) / 1e6);
}
