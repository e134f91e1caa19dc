import { readFileSync, statSync } from 'node:fs';
import cliProgress from 'cli-progress';
import { UsageError } from '../../core/errors.ts';
import { openRuntime, type Runtime } from '../../core/runtime.ts';
import { FORMAT_NAMES, PARSERS, type Rejection } from '../../ingest/parsers/index.ts';
import { createTelemetryPublisher } from '../../ingest/publisher.ts';
import { subjectToken } from '../../schemas/index.ts';
import { EXIT, fmt, type GlobalOptions, setup } from '../shared.ts';

/** Options of `aegis ingest`. */
export interface IngestOptions extends GlobalOptions {
  format?: string;
  check?: boolean;
  json?: boolean;
  source?: string;
  service?: string;
}

/** The outcome of one file, as `--json` prints it. */
export interface FileSummary {
  file: string;
  format: string;
  accepted: number;
  rejected: number;
  skipped: Record<string, number>;
  /** Rejections counted by reason (the reason text without its location). */
  reasons: Record<string, number>;
  /** The first rejections, with where they are. */
  examples: Rejection[];
  published?: { messages: number; duplicates: number };
}

const MAX_EXAMPLES = 10;

/** `aegis ingest --format F FILE…`: parse, validate and (unless `--check`) publish files to NATS.
 *  Exit 0 when every record was accepted, 1 when any was rejected, 2 on a usage error. */
export async function ingestCommand(files: string[], options: IngestOptions): Promise<number> {
  const parser = options.format ? PARSERS[options.format] : undefined;
  if (!parser)
    throw new UsageError(
      `--format must be one of ${FORMAT_NAMES.join(', ')}${options.format ? ` (got ${options.format})` : ''}`,
    );
  if (files.length === 0) throw new UsageError('name at least one FILE to ingest');
  const sizes = files.map((f) => {
    try {
      const st = statSync(f);
      if (!st.isFile()) throw new Error('not a regular file');
      return st.size;
    } catch (err) {
      throw new UsageError(`cannot read ${f}: ${(err as Error).message}`);
    }
  });

  const { config, logger } = setup(options, options.logLevel ? {} : { logLevel: 'warn' });
  let runtime: Runtime | undefined;
  if (!options.check) runtime = await openRuntime(config, { bus: true, name: 'ingest' }, logger);
  const publisher = runtime?.bus
    ? createTelemetryPublisher({
        bus: runtime.bus,
        source: subjectToken(options.source ?? options.format!),
        batchRecords: config.collectors.batchRecords,
      })
    : undefined;

  const showBar = !options.json && process.stderr.isTTY === true;
  const bar = new cliProgress.SingleBar(
    {
      format: 'ingest  {bar} {percentage}% | {value}/{total} bytes | {file}',
      stream: process.stderr,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  if (showBar)
    bar.start(
      sizes.reduce((a, b) => a + b, 0),
      0,
      { file: '' },
    );

  const summaries: FileSummary[] = [];
  try {
    for (const [i, file] of files.entries()) {
      if (showBar) bar.update({ file });
      const outcome = parser.parse(readFileSync(file), {
        inputName: file,
        ...(options.service ? { defaultService: options.service } : {}),
      });
      const summary: FileSummary = {
        file,
        format: parser.format,
        accepted: outcome.records.length,
        rejected: outcome.rejected.length,
        skipped: outcome.skipped,
        reasons: countReasons(outcome.rejected),
        examples: outcome.rejected.slice(0, MAX_EXAMPLES),
      };
      if (publisher && outcome.records.length > 0) {
        const result = await publisher.publish(parser.kind, outcome.records as never);
        summary.published = { messages: result.messages, duplicates: result.duplicates };
      }
      summaries.push(summary);
      if (showBar) bar.increment(sizes[i]!);
    }
  } finally {
    if (showBar) bar.stop();
    await runtime?.close();
  }

  const rejected = summaries.reduce((n, s) => n + s.rejected, 0);
  const accepted = summaries.reduce((n, s) => n + s.accepted, 0);
  if (options.json) {
    process.stdout.write(
      `${JSON.stringify({ format: parser.format, check: Boolean(options.check), accepted, rejected, files: summaries })}\n`,
    );
  } else {
    for (const s of summaries) printSummary(s);
    const where = options.check
      ? 'checked only, nothing published'
      : `published to NATS (${runtime?.natsServer ? 'no AEGIS was running: the records wait in the TELEMETRY stream until `aegis start` runs' : 'the ingest writer stores them'})`;
    process.stdout.write(
      `\ntotal: ${fmt(accepted)} accepted, ${fmt(rejected)} rejected in ${files.length} file(s); ${where}\n`,
    );
  }
  return rejected > 0 ? EXIT.failure : EXIT.ok;
}

function countReasons(rejected: Rejection[]): Record<string, number> {
  const reasons: Record<string, number> = {};
  for (const r of rejected) reasons[r.reason] = (reasons[r.reason] ?? 0) + 1;
  return reasons;
}

function printSummary(s: FileSummary): void {
  const skipped = Object.entries(s.skipped);
  process.stdout.write(
    `${s.file}: ${fmt(s.accepted)} accepted, ${fmt(s.rejected)} rejected${skipped.length ? `, ${skipped.map(([r, n]) => `${fmt(n)} skipped (${r})`).join(', ')}` : ''}\n`,
  );
  for (const r of s.examples) process.stdout.write(`  ${r.location}: ${r.reason}\n`);
  if (s.rejected > s.examples.length) process.stdout.write(`  … and ${fmt(s.rejected - s.examples.length)} more\n`);
}
