import {
  envDetector,
  hostDetector,
  processDetector,
  type DetectedResourceAttributes,
  type ResourceDetector,
} from '@opentelemetry/resources';

/** Which process attributes may leave the process: both default to false. */
export interface ProcessAttributeOptions {
  /** Keep `process.command_args` and `process.command_line` (argv often holds secrets). */
  commandLine: boolean;
  /** Keep `process.owner` (the OS user name). */
  owner: boolean;
}

// argv routinely carries `--db=postgres://user:password@...` or `--api-key=...`; `/metrics`
// publishes resource attributes to whoever can scrape it (`target_info`).
const COMMAND_LINE = ['process.command_args', 'process.command_line'];
const OWNER = ['process.owner'];

/**
 * The SDK's default detectors (env, process, host), with the process
 * detector's command line and owner left out unless asked for.
 */
export function resourceDetectors(options: ProcessAttributeOptions): ResourceDetector[] {
  const dropped = [...(options.commandLine ? [] : COMMAND_LINE), ...(options.owner ? [] : OWNER)];
  const process: ResourceDetector = {
    detect(config) {
      const attributes: DetectedResourceAttributes = { ...processDetector.detect(config).attributes };
      for (const name of dropped) delete attributes[name];
      return { attributes };
    },
  };
  return [envDetector, process, hostDetector];
}
