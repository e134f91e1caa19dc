import { z } from 'zod';
import { type ApiConfig, apiConfigSchema } from '../core/config/index.ts';
import { ConfigError } from '../core/errors.ts';

/** The API's section of the configuration (core/config owns the schema, as for every role). */
export { type ApiConfig, apiConfigSchema } from '../core/config/index.ts';

/** The limits part of {@link ApiConfig}, as the limit rules take it. */
export type ApiLimits = Pick<
  ApiConfig,
  'maxDepth' | 'maxAliases' | 'maxCost' | 'maxTokens' | 'maxBodyBytes' | 'rateLimitPointsPerMinute'
>;

/** Parses an API config (defaults filled in); a bad one throws ConfigError naming the field. */
export function parseApiConfig(input: unknown = {}): ApiConfig {
  const parsed = apiConfigSchema.safeParse(input);
  if (!parsed.success) throw new ConfigError(`invalid api config:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
