// Publishes the benchmark workload from its own thread, as a separate collector process would,
// reporting (stream sequence, publish-ack time) pairs for the latency measurement.
import { parentPort, workerData } from 'node:worker_threads';
import { connectBus } from '../core/bus/index.ts';
import { createEnvelope, telemetryEventType, telemetrySubject } from '../schemas/index.ts';
import { messageCount, messagePoints, type Workload } from './ingest-workload.ts';

const {
  url,
  workload,
  maxInFlight,
  subject: subjectOverride,
} = workerData as {
  url: string;
  workload: Workload;
  maxInFlight: number;
  subject?: string;
};
const bus = await connectBus({
  servers: url,
  streams: { replicas: 1, telemetryMaxAgeHours: 1, retainDays: 1, duplicateWindowSec: 120 },
});
const subject = subjectOverride ?? telemetrySubject('metrics', 'bench');
const total = messageCount(workload);
// Start together with the measurement, not with this thread's start-up.
parentPort!.postMessage({ ready: true, acks: [] });
await new Promise((resolve) => parentPort!.once('message', resolve));
const inFlight = new Set<Promise<void>>();
let acks: number[] = [];
const started = Date.now();
for (let k = 0; k < total; k++) {
  const id = `bench-${subject}-${workload.startMs}-${k}`;
  const envelope = createEnvelope({
    id,
    source: 'aegis/bench',
    type: telemetryEventType('metrics'),
    subject,
    data: { records: messagePoints(workload, k) },
  });
  const p: Promise<void> = bus.publish(subject, JSON.stringify(envelope), { msgId: id }).then((ack) => {
    acks.push(ack.seq, Date.now());
    inFlight.delete(p);
  });
  inFlight.add(p);
  if (inFlight.size >= maxInFlight) await Promise.race(inFlight);
  if (acks.length >= 2000) {
    parentPort!.postMessage({ acks });
    acks = [];
  }
}
await Promise.all(inFlight);
parentPort!.postMessage({ acks, done: true, publishMs: Date.now() - started });
await bus.close();
