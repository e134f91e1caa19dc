/** What `aegis doctor` reads from NATS, ClickHouse and the embedded mode's run files; judging what
 *  it found is the CLI's business (cli/doctor). Nothing here changes a server. */

export { type AdvertisedNats, advertisedNats, embeddedEngineHolder, natsServerVersion } from './embedded.ts';
export {
  type ConsumerProbe,
  type NatsProbe,
  type NatsProbeParams,
  probeNats,
  type StreamProbe,
  type StreamSettingsView,
} from './nats-probe.ts';
