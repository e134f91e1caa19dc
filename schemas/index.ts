export * from './events/access.ts';
export * from './events/common.ts';
export * from './events/cost.ts';
export * from './events/envelope.ts';
export * from './events/metric.ts';
export * from './events/resource.ts';
export * from './events/telemetry.ts';
