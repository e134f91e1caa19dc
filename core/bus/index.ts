export type { Bus, BusMessage, DurableConsumer, DurableConsumerParams, PublishAck, PublishOptions } from './bus.ts';
export { type ConnectBusParams, connectBus } from './nats-bus.ts';
export { type EmbeddedNatsServer, type StartNatsServerParams, startNatsServer } from './nats-server.ts';
export type { StreamSettings } from './streams.ts';
