// The shared HTTP layer of channels and providers: one Retry-After parser, one status table, one
// bounded body reader, one fetch type.
export { parseRetryAfter, retryAfterFromError } from './retry-after.js';
export { classifyStatus } from './status.js';
export type { HttpFailureKind } from './status.js';
export { readBoundedBody } from './body.js';
export type { BoundedBody, ReadBodyOptions } from './body.js';
export type { FetchFunction } from './fetch.js';
