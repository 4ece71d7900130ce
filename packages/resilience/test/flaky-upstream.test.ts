import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TelltaleError } from '@telltale/core';
import {
  circuitBreaker,
  constant,
  parseRetryAfter,
  pipeline,
  retry,
  retryBudget,
  timeout,
  type Policy,
} from '@telltale/resilience';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

type Mode = 'healthy' | 'flaky' | 'outage';

/** A real upstream on 127.0.0.1: random 503 + Retry-After, hangs and connection resets. */
class FlakyUpstream {
  mode: Mode = 'healthy';
  attempts = 0;
  readonly server: Server;
  private random = mulberry32(42);

  constructor() {
    this.server = createServer((request: IncomingMessage, response: ServerResponse) => this.handle(request, response));
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    this.attempts++;
    request.resume();
    const roll = this.random();
    if (this.mode === 'healthy' || (this.mode === 'flaky' && roll < 0.6)) {
      response.end('ok');
      return;
    }
    if (roll < 0.7) return void request.socket.destroy(); // reset
    if (roll < 0.8) return; // hang: the client's timeout must cut it
    response.writeHead(503, { 'retry-after': '0' }).end('unavailable');
  }
}

function mulberry32(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly retryAfterMs: number | undefined,
  ) {
    super(`HTTP ${status}`);
  }
}

async function call(url: string, signal: AbortSignal): Promise<string> {
  const response = await fetch(url, { signal });
  const body = await response.text();
  if (!response.ok) throw new HttpError(response.status, parseRetryAfter(response.headers.get('retry-after')));
  return body;
}

/** Runs `total` requests through `policy`, `concurrency` at a time; returns outcomes by kind and attempts made. */
async function load(policy: Policy, url: string, total: number, concurrency: number): Promise<Record<string, number>> {
  const outcomes: Record<string, number> = { attempts: 0 };
  let started = 0;
  const worker = async (): Promise<void> => {
    while (started < total) {
      started++;
      const outcome = await policy
        .execute(({ signal }) => {
          outcomes.attempts!++;
          return call(url, signal);
        })
        .then(
          () => 'ok',
          (error: unknown) => (TelltaleError.is(error) ? error.code : 'upstream-error'),
        );
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return outcomes;
}

describe('against a real flaky HTTP upstream on 127.0.0.1', () => {
  const upstream = new FlakyUpstream();
  beforeAll(() => new Promise<void>((resolve) => upstream.server.listen(0, '127.0.0.1', resolve)));
  afterAll(
    () =>
      new Promise<void>((resolve) => {
        upstream.server.closeAllConnections();
        upstream.server.close(() => resolve());
      }),
  );

  const requests = 300;
  // Attempts are counted where they are made (the client): on a loaded machine some time out
  // before the server sees them, and they still count against the upstream.
  const attemptsDuringOutage = async (
    withBudget: boolean,
    total: number,
  ): Promise<{ attempts: number; outcomes: Record<string, number> }> => {
    upstream.mode = 'outage';
    const budget = withBudget ? retryBudget({ ratio: 0.2, minPerSecond: 1, window: '10s' }) : undefined;
    const policy = pipeline(
      'outage',
      retry({
        maxAttempts: 3,
        backoff: constant(1),
        respectRetryAfter: { max: '20ms' },
        ...(budget ? { budget } : {}),
      }),
      timeout(300),
    );
    const outcomes = await load(policy, upstream.url, total, 25);
    return { attempts: outcomes.attempts!, outcomes };
  };

  it('keeps upstream attempts ≤ 1.25× requests during a full outage with a retry budget (3× without)', async () => {
    const withBudget = await attemptsDuringOutage(true, requests);
    const without = await attemptsDuringOutage(false, 100);
    expect(withBudget.attempts / requests).toBeLessThanOrEqual(1.25);
    expect(withBudget.outcomes.TELLTALE_RETRY_BUDGET_EXHAUSTED).toBeGreaterThan(requests * 0.7);
    // The figure without a budget (seen: 370 vs 900 attempts for 300 requests): every request is retried to maxAttempts.
    expect(without.attempts).toBe(100 * 3);
  });

  it('absorbs a flaky (not dead) upstream: nearly every request succeeds, against ~60% without retries', async () => {
    upstream.mode = 'flaky';
    const bare = await load(pipeline('flaky-bare', timeout(500)), upstream.url, 100, 10);
    const policy = pipeline(
      'flaky',
      retry({ maxAttempts: 8, backoff: constant(1), respectRetryAfter: { max: '20ms' } }),
      timeout(500),
    );
    const outcomes = await load(policy, upstream.url, 100, 10);
    expect(bare.ok).toBeLessThan(80);
    expect(outcomes.ok).toBeGreaterThanOrEqual(97);
    expect(outcomes.attempts).toBeGreaterThan(120);
  });

  it('stops calling a dead upstream within the breaker window and recovers through half-open', async () => {
    upstream.mode = 'outage';
    upstream.attempts = 0;
    const breaker = circuitBreaker({
      name: 'upstream',
      minimumThroughput: 10,
      failureRatio: 0.5,
      window: '2s',
      halfOpenAfter: 300,
      timeout: 100,
    });
    const states: string[] = [];
    breaker.onStateChange((change) => states.push(change.to));
    const policy = pipeline('guarded', breaker);
    const first = await load(policy, upstream.url, 200, 5);
    expect(breaker.state).toBe('open');
    // It opened after about minimumThroughput calls; the rest were refused without touching the upstream.
    expect(first.attempts).toBeLessThanOrEqual(10 + 5);
    expect(upstream.attempts).toBeLessThanOrEqual(first.attempts!);
    expect(first.TELLTALE_CIRCUIT_OPEN).toBeGreaterThanOrEqual(185);

    upstream.mode = 'healthy';
    const before = upstream.attempts;
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(breaker.state).toBe('half-open');
    const after = await load(policy, upstream.url, 50, 1);
    expect(after.ok).toBe(50);
    expect(breaker.state).toBe('closed');
    expect(upstream.attempts - before).toBe(50);
    expect(states).toEqual(['open', 'half-open', 'closed']);
    await breaker.close();
  });

  it('aborting the caller cancels the in-flight HTTP attempt at once', async () => {
    upstream.mode = 'outage';
    const hangingServer = createServer(() => {});
    await new Promise<void>((resolve) => hangingServer.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(hangingServer.address() as AddressInfo).port}/`;
    let closedByClient = false;
    hangingServer.on('connection', (socket) => socket.on('close', () => (closedByClient = true)));
    const policy = pipeline('abortable', retry({ maxAttempts: 3, backoff: constant('1h') }), timeout('1h'));
    const controller = new AbortController();
    const started = performance.now();
    const result = policy.execute(({ signal }) => call(url, signal), { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort();
    await expect(result).rejects.toMatchObject({ code: 'TELLTALE_ABORTED' });
    expect(performance.now() - started).toBeLessThan(1_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closedByClient).toBe(true);
    hangingServer.closeAllConnections();
    await new Promise((resolve) => hangingServer.close(resolve));
  });
});
