import type { ResolvedHubOptions } from '../hub-options.js';
import type { ConnectionRegistry } from '../registry.js';
import type { LiveTelemetry } from '../telemetry.js';

/** What every transport of one hub shares. */
export interface TransportContext {
  readonly options: ResolvedHubOptions;
  readonly registry: ConnectionRegistry;
  readonly telemetry: LiveTelemetry;
}
