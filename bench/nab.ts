// npm run bench:nab [-- --data DIR --labels FILE --no-tf --files a,b --exclude c,d] — runs the anomaly ensemble over
// a directory of NAB-format CSVs (`timestamp,value`, sub-directories allowed, names as in the labels
// file) and scores it with NAB's standard profile (see models/anomaly/nab-scorer.ts). Progress goes to
// stderr; the last stdout line is the JSON result. The data is not in the repository (NAB is AGPL):
// put it under .scratch/nab, which is gitignored.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { type NabFile, parseNabTimestamp, scoreNab, scoreSeries } from '../models/index.ts';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string', default: '.scratch/nab/data' },
    labels: { type: 'string', default: '.scratch/nab/labels/combined_windows.json' },
    // Comma-separated substrings: only files whose name contains one of them.
    files: { type: 'string' },
    // Comma-separated substrings: skip files whose name contains one of them (e.g. truncated copies).
    exclude: { type: 'string' },
    'no-tf': { type: 'boolean', default: false },
    // Detector options as JSON, e.g. '{"cooldownPoints":300}'.
    options: { type: 'string', default: '{}' },
  },
});
const log = (text: string) => process.stderr.write(`[bench:nab] ${text}\n`);

const labels = JSON.parse(readFileSync(args.labels!, 'utf8')) as Record<string, [string, string][]>;
const filters = args.files?.split(',').filter(Boolean);
const excludes = args.exclude?.split(',').filter(Boolean) ?? [];
const names = listCsv(args.data!)
  .map((p) => relative(args.data!, p))
  .filter(
    (n) => n in labels && (!filters || filters.some((f) => n.includes(f))) && !excludes.some((e) => n.includes(e)),
  )
  .sort();
if (names.length === 0) {
  log(`no labelled CSV under ${args.data} (labels ${args.labels})`);
  process.exit(2);
}

const started = performance.now();
const scored: NabFile[] = [];
let points = 0;
let detectSeconds = 0;
let version = '';
for (const name of names) {
  const rows = readFileSync(join(args.data!, name), 'utf8').trim().split('\n').slice(1);
  const series = rows.map((line) => {
    const [ts = '', v = ''] = line.split(',');
    return { tsMs: parseNabTimestamp(ts), value: v.trim() === '' ? Number.NaN : Number(v) };
  });
  const t0 = performance.now();
  const result = await scoreSeries(series, { ...JSON.parse(args.options!), tf: args['no-tf'] ? false : 'auto' });
  detectSeconds += (performance.now() - t0) / 1000;
  version = result.version;
  points += series.length;
  const windows = (labels[name] ?? []).map(([s, e]) => ({
    startMs: parseNabTimestamp(s),
    endMs: parseNabTimestamp(e),
  }));
  scored.push({ name, timestampsMs: series.map((p) => p.tsMs), scores: result.scores, windows });
  const own = scoreNab([scored.at(-1)!]);
  log(
    `${name}: ${series.length} points, ${windows.length} windows, own-threshold score ${own.score.toFixed(1)} (tp ${own.tp} fp ${own.fp} fn ${own.fn})`,
  );
}

const result = scoreNab(scored);
log(`corpus: tp ${result.tp}, fp ${result.fp}, fn ${result.fn} at threshold ${result.threshold.toFixed(4)}`);
log(`${points} points scored in ${detectSeconds.toFixed(2)} s (${Math.round(points / detectSeconds)} points/s)`);
process.stdout.write(
  `${JSON.stringify({
    bench: 'nab',
    cores: cpus().length,
    files: names.length,
    points,
    version,
    score_standard: Number(result.score.toFixed(2)),
    threshold: Number(result.threshold.toFixed(6)),
    tp: result.tp,
    fp: result.fp,
    fn: result.fn,
    seconds: Number(((performance.now() - started) / 1000).toFixed(2)),
  })}\n`,
);

function listCsv(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) out.push(...listCsv(p));
    else if (entry.endsWith('.csv')) out.push(p);
  }
  return out;
}
