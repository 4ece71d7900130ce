// One shape for every Telltale command line: core's, the same type `@telltale/health` and
// `@telltale/stt` take, so `telltale stt` can hand its I/O to the stt CLI as it is.
export { processIo } from '@telltale/core';
export type { CliIo } from '@telltale/core';
