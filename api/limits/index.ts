export { aliasLimitRule } from './aliases.ts';
export { BodyTooLargeError, readBody } from './body.ts';
export { connectionEstimator, createOperationCost, operationCost } from './cost.ts';
export { depthLimitRule, INTROSPECTION_MAX_DEPTH } from './depth.ts';
export { createRateLimiter, type RateLimitDecision, type RateLimiter } from './rate-limit.ts';
