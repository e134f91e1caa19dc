// Publishes the benchmark workload from its own process, as a collector would, reporting
// (stream sequence, publish-ack time) pairs for the latency measurement over the IPC channel.
import { connectBus } from '../core/bus/index.ts';
import { encodeTelemetryBatch } from '../ingest/publisher.ts';
import { TEST_STREAMS } from '../test/harness/index.ts';
import { messageCount, messagePoints, type Workload } from './ingest-workload.ts';

const send = (m: unknown) => process.send!(m);
const { url, workload, maxInFlight, source, ratePerSec } = JSON.parse(process.argv[2]!) as {
  url: string;
  workload: Workload;
  maxInFlight: number;
  /** Source token of the subject: `aegis.telemetry.metrics.<source>`. */
  source: string;
  /** Points per second to pace publishing at; 0 publishes as fast as acks allow. */
  ratePerSec: number;
};
const bus = await connectBus({
  servers: url,
  streams: TEST_STREAMS,
});
const total = messageCount(workload);
// The collectors' serialisation happens on their own machines: encode every message first (as the
// telemetry publisher does), so that this process spends the measured time publishing only.
const batches = Array.from({ length: total }, (_, k) => {
  const batch = encodeTelemetryBatch('metrics', source, messagePoints(workload, k));
  return { ...batch, payload: Buffer.from(batch.payload) };
});
// Start together with the measurement, not with this process's start-up.
send({ ready: true, acks: [] });
await new Promise((resolve) => process.once('message', resolve));
const inFlight = new Set<Promise<void>>();
let acks: number[] = [];
const started = Date.now();
for (let k = 0; k < total; k++) {
  if (ratePerSec > 0) {
    // Paced: message k is due at k / rate seconds after the start.
    const dueMs = started + (k * workload.pointsPerMessage * 1000) / ratePerSec;
    if (dueMs > Date.now()) await new Promise((r) => setTimeout(r, dueMs - Date.now()));
  }
  const { subject, id, payload } = batches[k]!;
  const p: Promise<void> = bus.publish(subject, payload, { msgId: id }).then((ack) => {
    acks.push(ack.seq, Date.now());
    inFlight.delete(p);
  });
  inFlight.add(p);
  if (inFlight.size >= maxInFlight) await Promise.race(inFlight);
  if (acks.length >= 2000) {
    send({ acks });
    acks = [];
  }
}
await Promise.all(inFlight);
await bus.close();
send({ acks, done: true, publishMs: Date.now() - started });
process.disconnect();
