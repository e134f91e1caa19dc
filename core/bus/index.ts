export {
  type Bus,
  type BusMessage,
  type DurableConsumer,
  type DurableConsumerParams,
  type KvBucket,
  type KvBucketOptions,
  type KvEntry,
  type PublishAck,
  type PublishOptions,
  type RequestOptions,
  SERVICE_ERROR_CODE_HEADER,
  SERVICE_ERROR_HEADER,
  type Served,
  type ServeErrorReply,
  type ServeHandler,
  type ServeOptions,
  type Tail,
  type TailMessage,
  type TailParams,
} from './bus.ts';
export { type ConnectBusParams, connectBus } from './nats-bus.ts';
export { type EmbeddedNatsServer, type StartNatsServerParams, startNatsServer } from './nats-server.ts';
export { subjectMatches } from './nats-tail.ts';
export type { StreamSettings } from './streams.ts';
