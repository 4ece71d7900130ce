export { runCli } from './run-cli.js';
export type { CliIo } from './io.js';
export { EXIT_CODES } from './exit-codes.js';
export type { ExitCode } from './exit-codes.js';
export { parseExposition } from './prometheus-text.js';
export type { ExpositionSample } from './prometheus-text.js';
export type { RouteReportRow } from './commands/report.js';
export type { CacheReportRow } from './cache-ratios.js';
