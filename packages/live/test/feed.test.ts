import { afterEach, describe, expect, it } from 'vitest';
import { createEmitter, createManualClock, TelltaleError } from '@telltale/core';
import { createJobs, type JobEvent, type Jobs } from '@telltale/jobs';
import {
  jobStatusMessage,
  liveFeed,
  memoryBroker,
  type JobStatusEvent,
  type LiveBroker,
  type LiveFeedSource,
} from '@telltale/live';
import { openSse, startHub, until } from './helpers.js';

// Compile-time check: @telltale/jobs' events fit the structural type live maps.
const fits: (event: JobEvent) => JobStatusEvent = (event) => event;
void fits;

/** A gate a handler waits on, so the test decides when the job moves on. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

/** Polls until `check` holds, for conditions read asynchronously. */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 3000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

type Poll = { events: { id: number; type: string; data: unknown }[]; lastId: number };
const poll = async (url: string): Promise<Poll> => (await (await fetch(url)).json()) as Poll;

const parsed = (frames: { event?: string; data?: string }[]) =>
  frames.map((frame) => ({ event: frame.event, data: frame.data === undefined ? undefined : JSON.parse(frame.data) }));

describe('liveFeed: job status to live topics', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of cleanup.splice(0).reverse()) await close();
  });

  async function setUp(handler: Parameters<typeof createJobs>[0]['types'][string]['handler'], endAfter = '30s') {
    const hub = await startHub({ topics: ['jobs/:id'] });
    const jobs: Jobs = createJobs({ types: { work: { handler, maxAttempts: 2, backoff: { delay: () => 1 } } } });
    const clock = createManualClock();
    const feed = liveFeed(jobs, hub.hub, { topic: (event) => `jobs/${event.id}`, endAfter, clock });
    cleanup.push(
      () => hub.close(),
      () => jobs.close(),
      () => feed.close(),
    );
    return { hub, jobs, clock, feed };
  }

  it('streams started, progress and completed to an SSE subscriber, then ends the topic after the grace', async () => {
    const step = gate();
    const { hub, jobs, clock } = await setUp(async (_payload, { progress }) => {
      await step.opened;
      progress({ percent: 50 });
      progress({ percent: 100 });
      return 'ok';
    });
    const { id, done } = await jobs.submit('work', undefined);
    await eventually(async () => (await jobs.get(id))?.status === 'active', 'job active');
    const client = await openSse(`${hub.base}/live/jobs/${id}`);
    await client.waitFor(1); // the replay: the current status
    step.open();
    expect(await done).toBe('ok');
    const frames = await client.waitFor(4);
    expect(parsed(frames)).toEqual([
      { event: 'started', data: { id, jobType: 'work', status: 'active', attempt: 1 } },
      { event: 'progressed', data: { id, jobType: 'work', status: 'active', progress: { percent: 50 } } },
      { event: 'progressed', data: { id, jobType: 'work', status: 'active', progress: { percent: 100 } } },
      { event: 'completed', data: { id, jobType: 'work', status: 'completed' } },
    ]);

    // A late subscriber within the grace still gets the final status as its replay.
    const late = await openSse(`${hub.base}/live/jobs/${id}`);
    expect(parsed(await late.waitFor(1))).toEqual([{ event: 'completed', data: expect.objectContaining({ id }) }]);

    await clock.advanceAsync(30_000);
    await client.ended;
    await late.ended;
    expect(client.frames.at(-1)?.event).toBe('end');
    expect(await poll(`${hub.base}/live/jobs/${id}?after=0`)).toMatchObject({ events: [], lastId: 0 });
  });

  it('publishes a dead-lettered job as a final "dead-lettered" with the error code only, never its message', async () => {
    const { hub, jobs } = await setUp(() => {
      throw new TelltaleError('TELLTALE_TIMEOUT', 'upstream https://user:hunter2@stt.example answered late');
    });
    const { id, done } = await jobs.submit('work', undefined);
    await expect(done).rejects.toMatchObject({ code: 'TELLTALE_JOBS_DEAD_LETTERED' });
    const url = `${hub.base}/live/jobs/${id}?after=0`;
    await eventually(async () => (await poll(url)).events.at(-1)?.type === 'dead-lettered', 'dead-lettered event');
    const body = await poll(url);
    expect(body.events.map((event) => event.type)).toEqual([
      'queued',
      'started',
      'attempt-failed',
      'retried',
      'started',
      'attempt-failed',
      'dead-lettered',
    ]);
    expect(body.events.at(-1)?.data).toEqual({
      id,
      jobType: 'work',
      status: 'dead',
      attempts: 2,
      error: { code: 'TELLTALE_TIMEOUT' },
    });
    expect(JSON.stringify(body)).not.toContain('hunter2');
  });

  it('publishes a cancelled running job as a final "cancelled"', async () => {
    const { hub, jobs } = await setUp(
      (_payload, { signal }) =>
        new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))),
    );
    const { id, done } = await jobs.submit('work', undefined);
    await eventually(async () => (await jobs.get(id))?.status === 'active', 'job active');
    expect(await jobs.cancel(id)).toBe(true);
    await expect(done).rejects.toMatchObject({ code: 'TELLTALE_JOBS_CANCELLED' });
    const url = `${hub.base}/live/jobs/${id}?after=0`;
    await eventually(async () => (await poll(url)).events.at(-1)?.type === 'cancelled', 'cancelled event');
    expect((await poll(url)).events.at(-1)).toMatchObject({ type: 'cancelled', data: { id, status: 'cancelled' } });
  });
});

describe('liveFeed over any source', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of cleanup.splice(0).reverse()) await close();
  });

  type StatusEvent = { type: string; session: string; step?: number; final?: boolean };
  const source = () => {
    const emitter = createEmitter<StatusEvent>();
    const feedSource: LiveFeedSource<StatusEvent> = { onEvent: (listener) => emitter.on(listener) };
    return { emit: (event: StatusEvent) => emitter.emit(event), feedSource };
  };
  const mapping = {
    topic: (event: StatusEvent) => `sessions/${event.session}/status`,
    message: (event: StatusEvent) => ({ type: event.type, data: { step: event.step }, final: event.final }),
  };

  it('keeps each topic in order over a broker whose publishes settle out of order', async () => {
    const inner = memoryBroker();
    let calls = 0;
    // Earlier publications take longer: without per-topic ordering they would land last.
    const slow: LiveBroker = {
      ...inner,
      publish: async (topic, publication) => {
        const wait = 40 - 10 * calls++;
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, wait)));
        return inner.publish(topic, publication);
      },
    };
    const hub = await startHub({ broker: slow });
    const { emit, feedSource } = source();
    const feed = liveFeed(feedSource, hub.hub, mapping);
    cleanup.push(
      () => hub.close(),
      () => feed.close(),
    );
    for (let step = 1; step <= 4; step++) emit({ type: 'step', session: 's1', step });
    await feed.close();
    const body = (await (await fetch(`${hub.base}/live/sessions/s1/status?after=0`)).json()) as {
      events: { id: number; data: { step: number } }[];
    };
    expect(body.events.map((event) => event.data.step)).toEqual([1, 2, 3, 4]);
  });

  it('cancels a pending end when the topic gets a new event, and close() ends pending topics at once', async () => {
    const hub = await startHub();
    const clock = createManualClock();
    const { emit, feedSource } = source();
    const feed = liveFeed(feedSource, hub.hub, { ...mapping, clock, endAfter: '10s' });
    cleanup.push(
      () => hub.close(),
      () => feed.close(),
    );
    const client = await openSse(`${hub.base}/live/sessions/s2/status`);
    await until(() => hub.hub.stats().connections === 1);
    emit({ type: 'done', session: 's2', step: 1, final: true });
    await client.waitFor(1);
    await clock.advanceAsync(5_000);
    emit({ type: 'again', session: 's2', step: 2 });
    await client.waitFor(2);
    await clock.advanceAsync(10_000);
    expect(hub.hub.stats().connections).toBe(1); // not ended: the second event cancelled it

    emit({ type: 'done', session: 's2', step: 3, final: true });
    await client.waitFor(3);
    expect(clock.pendingTimers()).toBe(1);
    await feed.close();
    await client.ended;
    expect(client.frames.map((frame) => frame.event)).toEqual(['done', 'again', 'done', 'end']);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('logs a publication the hub refuses instead of throwing into the source, and skips unmapped events', async () => {
    const hub = await startHub();
    const warnings: string[] = [];
    const { emit, feedSource } = source();
    const feed = liveFeed(feedSource, hub.hub, {
      topic: (event) => (event.session === 'skip' ? undefined : `sessions/${event.session}`),
      message: (event) => ({ type: event.type, data: event.step }),
      logger: { warn: (_object: unknown, message?: string) => warnings.push(message ?? '') },
    });
    cleanup.push(
      () => hub.close(),
      () => feed.close(),
    );
    expect(() => emit({ type: 'bad\ntype', session: 'a' })).not.toThrow();
    emit({ type: 'step', session: 'skip', step: 1 });
    emit({ type: 'step', session: 'a', step: 2 });
    await feed.close();
    expect(warnings).toEqual(['live feed: publish failed']);
    const body = (await (await fetch(`${hub.base}/live/sessions/a?after=0`)).json()) as { events: unknown[] };
    expect(body.events).toEqual([{ id: 1, type: 'step', data: 2 }]);
  });

  it('ignores events that are not job status with the default mapping', () => {
    expect(jobStatusMessage({ type: 'circuit-opened' })).toBeUndefined();
  });

  it('validates its options at once', () => {
    const { feedSource } = source();
    const hub = { publish: () => Promise.resolve(1), end: () => Promise.resolve() };
    expect(() => liveFeed(feedSource, hub, {} as never)).toThrow(expect.objectContaining({ code: 'TELLTALE_CONFIG' }));
    expect(() => liveFeed(feedSource, hub, { topic: () => 't', endAfter: 'soon' })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG' }),
    );
    expect(() => liveFeed({} as never, hub, { topic: () => 't' })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG' }),
    );
  });
});
