import { spawnSync } from 'node:child_process';

/**
 * Tests that need a system binary (promtool, pocketsphinx, sox, ...) call
 * this: it returns `undefined` when the binary is present, or a one-line skip
 * reason when absent. With TELLTALE_REQUIRE_PEERS=1 (set by .ci/run, which
 * installs them) a missing binary throws instead, so CI can never skip them.
 *
 * @example
 *   const missing = missingPeer('promtool');
 *   describe.skipIf(missing)('promtool differential', () => { ... });
 */
export function missingPeer(...binaries: string[]): string | undefined {
  const absent = binaries.filter((binary) => spawnSync('sh', ['-c', `command -v ${binary}`]).status !== 0);
  if (absent.length === 0) return undefined;
  const reason = `skipped: ${absent.join(', ')} not installed (apt-get install the Debian package; .ci/run does)`;
  if (process.env.TELLTALE_REQUIRE_PEERS === '1') {
    throw new Error(`TELLTALE_REQUIRE_PEERS=1 but ${absent.join(', ')} is missing`);
  }
  console.warn(reason);
  return reason;
}
