export * from './auth/index.ts';
export { type ApiConfig, type ApiLimits, apiConfigSchema, parseApiConfig } from './config.ts';
export type { ApiContext, ApiServices } from './context.ts';
export { type ApiErrorCode, apiError, forbiddenError, formatApiError, unauthenticatedError } from './errors.ts';
export { buildApiSchema, printApiSchema } from './schema/index.ts';
export { type ApiServer, type ApiServerParams, createApiServer, GRAPHQL_PATH } from './server.ts';
