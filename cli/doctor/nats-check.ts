import { AUDIT_HEAD_BUCKET } from '../../control/audit/index.ts';
import type { AegisConfig } from '../../core/config/index.ts';
import { advertisedNats, type NatsProbe, natsServerVersion, probeNats } from '../../core/doctor/index.ts';
import { messageOf } from '../../core/errors.ts';
import { streamSettingsOf } from '../../core/runtime.ts';
import { type CheckResult, result, withTimeout } from './check.ts';

/** Messages waiting for the ingest writer above which the check warns: at the default 500 points per
 *  message that is millions of points the tables do not show yet. @default 10000 */
export const PENDING_WARN_MESSAGES = 10_000;

/** KV bucket and key of the audit head witness in cluster mode (control/components.ts; the key is
 *  `createKvAuditWitness`'s default). */
export const KV_WITNESS = { bucket: AUDIT_HEAD_BUCKET, key: 'audit-head' } as const;

/** A NATS check and what the probe found (the clock and audit head checks use it too). */
export interface NatsCheck {
  result: CheckResult;
  probe?: NatsProbe;
  /** Why there is no probe: unreachable, or embedded NATS not running. */
  noProbe?: string;
}

/** Checks NATS. Cluster: connects to `nats.url`. Embedded: `nats-server` on PATH and its version, and,
 *  when an `aegis start` advertises its server under `<dataDir>/run`, that server. */
export async function checkNats(config: AegisConfig, timeoutMs: number): Promise<NatsCheck> {
  const probeAt = async (servers: string, prefix: string, unreachableFix: string): Promise<NatsCheck> => {
    try {
      const probe = await withTimeout(`NATS at ${servers}`, timeoutMs, () =>
        probeNats({
          servers,
          timeoutMs,
          streams: streamSettingsOf(config.nats),
          consumer: { stream: 'TELEMETRY', durable: config.writer.durable },
          ...(config.nats.url ? { kv: KV_WITNESS } : {}),
        }),
      );
      const judged = judgeNatsProbe(probe, config, servers);
      return { result: { ...judged, detail: `${prefix}${judged.detail}` }, probe };
    } catch (err) {
      const why = messageOf(err);
      return { result: result('nats', 'fail', `${prefix}${why}`, unreachableFix), noProbe: why };
    }
  };

  if (config.nats.url)
    return probeAt(
      config.nats.url,
      '',
      'check AEGIS_NATS_URL (nats.url) and that the server runs with JetStream (nats-server -js) and is reachable from here',
    );

  const bin = await natsServerVersion(config.nats.serverBin, timeoutMs);
  if (!bin.found)
    return {
      result: result(
        'nats',
        'fail',
        `embedded mode: ${bin.error}`,
        'install nats-server (Debian/Ubuntu: apt-get install -y nats-server; or https://github.com/nats-io/nats-server/releases), set nats.serverBin, or point AEGIS_NATS_URL at a NATS server with JetStream',
      ),
      noProbe: bin.error,
    };
  const running = advertisedNats(config.dataDir);
  if (!running) {
    const why = 'no aegis start is running on this data directory';
    return {
      result: result(
        'nats',
        'ok',
        `embedded mode: ${config.nats.serverBin} v${bin.version} found; not running (${why}; it starts nats-server with its store under ${config.dataDir}/nats)`,
      ),
      noProbe: why,
    };
  }
  return probeAt(
    running.url,
    `embedded nats-server v${bin.version} (pid ${running.pid}, started by aegis pid ${running.ownerPid}): `,
    `the nats-server of the running aegis start does not answer; stop aegis start (pid ${running.ownerPid}) and start it again`,
  );
}

/** Judges what {@link probeNats} found against the configuration: JetStream on, the three streams with
 *  the configured settings, the writer's durable consumer and its backlog. */
export function judgeNatsProbe(probe: NatsProbe, config: AegisConfig, servers: string): CheckResult {
  const head = `NATS ${probe.version} at ${servers}`;
  if (!probe.jetstream)
    return result(
      'nats',
      'fail',
      `${head}: JetStream is not enabled`,
      'run nats-server with -js (or a jetstream {} block in its config) and an account that may use it',
    );
  // Every finding past JetStream itself is a warning: the roles fix streams and consumers at start.
  const findings: { text: string; fix: string }[] = [];
  const missing = probe.streams.filter((s) => !s.found).map((s) => s.name);
  if (missing.length > 0)
    findings.push({
      text: `stream${missing.length > 1 ? 's' : ''} ${missing.join(', ')} missing`,
      fix: 'start any AEGIS role once (each creates the streams at start), or check that nats.url names the right server and account',
    });
  for (const s of probe.streams) {
    if (!s.found) continue;
    const drift = streamDrift(s.expected, s.actual);
    if (drift.length > 0)
      findings.push({
        text: `stream ${s.name}: ${drift.join(', ')}`,
        fix: 'restart an AEGIS role (it updates the streams to the configuration) or change nats.* to what you want',
      });
  }
  const durable = config.writer.durable;
  const c = probe.consumer;
  if (!c) {
    if (missing.length === 0)
      findings.push({
        text: `no durable consumer "${durable}" on TELEMETRY (no ingest writer has run)`,
        fix: 'start the ingest writer: aegis start, or aegis run ingest-writer',
      });
  } else {
    if (c.pending >= PENDING_WARN_MESSAGES || (c.maxAckPending > 0 && c.ackPending >= c.maxAckPending))
      findings.push({
        text: `"${durable}" is behind: ${c.pending.toLocaleString('en-US')} pending, ${c.ackPending.toLocaleString('en-US')} ack-pending of ${c.maxAckPending}`,
        fix: 'add ingest-writer replicas, or look for failing inserts in the writer log (ClickHouse slow or down)',
      });
    const settings: string[] = [];
    if (c.maxAckPending !== config.writer.maxAckPending)
      settings.push(`max_ack_pending ${c.maxAckPending} (configured ${config.writer.maxAckPending})`);
    if (c.ackWaitMs !== config.writer.ackWaitMs)
      settings.push(`ack_wait ${c.ackWaitMs} ms (configured ${config.writer.ackWaitMs})`);
    if (c.maxDeliver !== config.writer.maxDeliver)
      settings.push(`max_deliver ${c.maxDeliver} (configured ${config.writer.maxDeliver})`);
    if (settings.length > 0)
      findings.push({
        text: `consumer "${durable}": ${settings.join(', ')}`,
        fix: 'restart the ingest writer: it updates its consumer to the configuration',
      });
  }
  const found = probe.streams
    .filter((s) => s.found)
    .map((s) => `${s.name} ${s.found ? s.messages.toLocaleString('en-US') : 0}`);
  const backlog = c
    ? `; "${durable}" ${c.pending.toLocaleString('en-US')} pending, ${c.ackPending.toLocaleString('en-US')} ack-pending`
    : '';
  const summary = `${head}, JetStream on; messages ${found.join(', ') || 'none'}${backlog}`;
  if (findings.length === 0) return result('nats', 'ok', summary);
  const fixes = [...new Set(findings.map((f) => f.fix))];
  return result('nats', 'warn', `${summary}; ${findings.map((f) => f.text).join('; ')}`, fixes.join('; '));
}

/** What differs between the configured and the actual settings of a stream. */
export function streamDrift(expected: NatsProbeStream, actual: NatsProbeStream): string[] {
  const out: string[] = [];
  const subjects = (s: NatsProbeStream) => [...(s.subjects ?? [])].sort().join(' ');
  if (subjects(expected) !== subjects(actual))
    out.push(`subjects ${subjects(actual) || '(none)'} (configured ${subjects(expected)})`);
  if (expected.max_age !== actual.max_age)
    out.push(`max_age ${duration(actual.max_age)} (configured ${duration(expected.max_age)})`);
  if (expected.duplicate_window !== actual.duplicate_window)
    out.push(
      `duplicate_window ${duration(actual.duplicate_window ?? 0)} (configured ${duration(expected.duplicate_window ?? 0)})`,
    );
  if (expected.num_replicas !== actual.num_replicas)
    out.push(`replicas ${actual.num_replicas} (configured ${expected.num_replicas})`);
  if (expected.storage !== actual.storage) out.push(`storage ${actual.storage} (configured ${expected.storage})`);
  return out;
}

type NatsProbeStream = NatsProbe['streams'][number]['expected'];

/** A JetStream duration (nanoseconds) in the largest whole unit: `24h`, `600s`, `0` (unlimited). */
function duration(ns: number): string {
  if (ns === 0) return 'unlimited';
  const sec = ns / 1e9;
  if (sec % 86_400 === 0) return `${sec / 86_400}d`;
  if (sec % 3600 === 0) return `${sec / 3600}h`;
  return `${sec}s`;
}
