import { spawn } from 'node:child_process';
import { access } from 'node:fs/promises';
import { TelltaleError, abortError } from '@telltale/core';

/** `TELLTALE_STT_ENGINE_MISSING`: a binary or model file of the local engine is not installed. */
export function engineMissing(message: string, cause?: unknown): TelltaleError {
  return new TelltaleError('TELLTALE_STT_ENGINE_MISSING', message, cause === undefined ? {} : { cause });
}

/** What a finished child process printed and how it exited. */
export interface RunResult {
  stdout: string;
  stderr: string;
  code: number | null;
}

/**
 * Runs `command` with its output captured (stderr's tail only), killed with
 * SIGKILL on `timeout` (`TELLTALE_TIMEOUT`) or when `signal` aborts
 * (`TELLTALE_ABORTED`); a missing binary is `TELLTALE_STT_ENGINE_MISSING`.
 */
export function run(
  command: string,
  args: string[],
  limits: { timeout: number; signal: AbortSignal | undefined; what: string },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    if (limits.signal?.aborted) {
      reject(abortError(limits.signal));
      return;
    }
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let settled = false;
    const finish = (error: unknown, result?: RunResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      limits.signal?.removeEventListener('abort', onAbort);
      if (error) reject(error instanceof Error ? error : new Error('child process failed'));
      else resolve(result!);
    };
    const onAbort = (): void => {
      child.kill('SIGKILL');
      finish(abortError(limits.signal));
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(
        new TelltaleError('TELLTALE_TIMEOUT', `${limits.what} did not finish within ${limits.timeout} ms`, {
          details: { timeoutMs: limits.timeout },
        }),
      );
    }, limits.timeout); // ref'ed: the caller awaits this run
    limits.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    // Keep only the tail: pocketsphinx logs a lot, the last lines say what went wrong.
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
    child.on('error', (error: NodeJS.ErrnoException) => {
      finish(error.code === 'ENOENT' ? engineMissing(`${command} is not installed (ENOENT)`, error) : error);
    });
    child.on('close', (code) => finish(undefined, { stdout, stderr, code }));
  });
}

/** True when `path` exists and is accessible. */
export async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
