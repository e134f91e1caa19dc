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
} = JSON.parse(process.argv[2]!) as {
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
// Start together with the measurement, not with this process's start-up.
send({ ready: true, acks: [] });
await new Promise((resolve) => process.once('message', resolve));
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
    send({ acks });
    acks = [];
  }
}
await Promise.all(inFlight);
await bus.close();
send({ acks, done: true, publishMs: Date.now() - started });
process.disconnect();
