export { ENV_KEYS } from './env.ts';
export { type LoadConfigParams, loadConfig } from './load.ts';
export * from './schema.ts';
