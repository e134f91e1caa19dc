// Publishes the benchmark workload from its own process, as a collector would, reporting
// (stream sequence, publish-ack time) pairs for the latency measurement over the IPC channel.
import { connectBus } from '../core/bus/index.ts';
import { createEnvelope, telemetryEventType, telemetrySubject } from '../schemas/index.ts';
import { messageCount, messagePoints, type Workload } from './ingest-workload.ts';

const send = (m: unknown) => process.send!(m);
const {
  url,
  workload,
  maxInFlight,
  subject: subjectOverride,
  ratePerSec,
} = JSON.parse(process.argv[2]!) as {
  url: string;
  workload: Workload;
  maxInFlight: number;
  subject?: string;
  /** Points per second to pace publishing at; 0 publishes as fast as acks allow. */
  ratePerSec: number;
};
const bus = await connectBus({
  servers: url,
  streams: { replicas: 1, telemetryMaxAgeHours: 1, retainDays: 1, duplicateWindowSec: 120 },
});
const subject = subjectOverride ?? telemetrySubject('metrics', 'bench');
const total = messageCount(workload);
const messageId = (k: number) => `bench-${subject}-${workload.startMs}-${k}`;
// The collectors' serialisation happens on their own machines: build every message first, so
// that this process spends the measured time publishing only.
const payloads: Buffer[] = [];
for (let k = 0; k < total; k++) {
  const envelope = createEnvelope({
    id: messageId(k),
    source: 'aegis/bench',
    type: telemetryEventType('metrics'),
    subject,
    data: { records: messagePoints(workload, k) },
  });
  payloads.push(Buffer.from(JSON.stringify(envelope)));
}
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
  const p: Promise<void> = bus.publish(subject, payloads[k]!, { msgId: messageId(k) }).then((ack) => {
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
