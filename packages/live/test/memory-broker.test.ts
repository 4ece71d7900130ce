import { describe, expect, it } from 'vitest';
import { createManualClock } from '@telltale/core';
import { createLiveHub, memoryBroker, type BrokerMessage } from '@telltale/live';

const publication = (data: unknown, minimumId = 0) => ({
  type: 'message',
  data,
  dataJson: JSON.stringify(data),
  publishedAt: 0,
  minimumId,
});

describe('memoryBroker', () => {
  it('assigns increasing ids per topic, never below the publisher floor', async () => {
    const broker = memoryBroker();
    expect((await broker.publish('a', publication(1))).id).toBe(1);
    expect((await broker.publish('a', publication(2))).id).toBe(2);
    expect((await broker.publish('b', publication(3))).id).toBe(1);
    expect((await broker.publish('a', publication(4, 10))).id).toBe(11);
  });

  it('keeps a bounded history and reports truncation', async () => {
    const broker = memoryBroker({ history: 3 });
    for (let index = 1; index <= 5; index++) await broker.publish('t', publication(index));
    expect(await broker.history('t', 3)).toMatchObject({ events: [{ id: 4 }, { id: 5 }], lastId: 5, truncated: false });
    expect(await broker.history('t', 0)).toMatchObject({ events: [{ id: 3 }, { id: 4 }, { id: 5 }], truncated: true });
    expect(await broker.history('t', 5)).toEqual({ events: [], lastId: 5, truncated: false });
  });

  it('forgets topics after historyTtl and beyond maxTopics', async () => {
    const clock = createManualClock({ now: 0 });
    const broker = memoryBroker({ historyTtl: '1m', maxTopics: 2, clock });
    await broker.publish('a', publication(1));
    clock.advance(30_000);
    await broker.publish('b', publication(1));
    clock.advance(31_000);
    expect((await broker.history('a', 0)).lastId).toBe(0);
    expect((await broker.history('b', 0)).lastId).toBe(1);
    await broker.publish('c', publication(1));
    await broker.publish('d', publication(1));
    expect((await broker.history('b', 0)).lastId).toBe(0);
    expect((await broker.history('d', 0)).lastId).toBe(1);
  });

  it('delivers to subscribers of the topic and signals its end', async () => {
    const broker = memoryBroker();
    const received: BrokerMessage[] = [];
    const subscription = broker.subscribe('t', (message) => received.push(message));
    await broker.publish('t', publication('x'));
    await broker.publish('other', publication('y'));
    await broker.end('t');
    subscription.dispose();
    await broker.publish('t', publication('z'));
    expect(received).toEqual([
      { kind: 'event', event: { id: 1, type: 'message', data: 'x', dataJson: '"x"', publishedAt: 0 } },
      { kind: 'end' },
    ]);
    expect((await broker.history('t', 0)).events).toHaveLength(1);
  });

  it('rejects bad options with TELLTALE_CONFIG naming the option', () => {
    expect(() => memoryBroker({ history: 0 })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', option: 'history' }),
    );
    expect(() => memoryBroker({ historyTtl: 'soon' })).toThrow(expect.objectContaining({ option: 'historyTtl' }));
  });
});

describe('createLiveHub', () => {
  const authorize = () => ({ allow: true as const, key: 'k' });

  it('rejects bad options with TELLTALE_CONFIG naming the option', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{}, 'authorize'],
      [{ authorize, basePath: 'live' }, 'basePath'],
      [{ authorize, maxConnectionsPerKey: 0 }, 'maxConnectionsPerKey'],
      [{ authorize, maxConnections: 1.5 }, 'maxConnections'],
      [{ authorize, idleTimeout: 0 }, 'idleTimeout'],
      [{ authorize, heartbeat: '5 minutes' }, 'heartbeat'],
      [{ authorize, topics: ['jobs/:id', 'bad topic'] }, 'topics[1]'],
      [{ authorize, topics: [] }, 'topics'],
      [{ authorize, broker: memoryBroker(), history: 10 }, 'history'],
      [{ authorize, broker: {} }, 'broker'],
      [{ authorize, trustProxy: 'yes' }, 'trustProxy'],
      [{ authorize, replay: -1 }, 'replay'],
    ];
    for (const [options, option] of cases) {
      expect(() => createLiveHub(options as never), option).toThrow(
        expect.objectContaining({ code: 'TELLTALE_CONFIG', option }),
      );
    }
  });

  it('rejects invalid publications with TELLTALE_INVALID_INPUT', async () => {
    const hub = createLiveHub({ authorize });
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    await expect(hub.publish('../etc', { data: 1 })).rejects.toMatchObject({
      code: 'TELLTALE_INVALID_INPUT',
      details: { path: 'topic' },
    });
    await expect(hub.publish('t', { type: 'a\ndata: forged', data: 1 })).rejects.toMatchObject({
      code: 'TELLTALE_INVALID_INPUT',
      details: { path: 'type' },
    });
    await expect(hub.publish('t', { data: circular })).rejects.toMatchObject({ details: { path: 'data' } });
    await expect(hub.publish('t', { data: undefined })).rejects.toMatchObject({ details: { path: 'data' } });
    await expect(hub.publish('t', { data: 'x'.repeat(70_000) })).rejects.toMatchObject({ details: { path: 'data' } });
    await hub.close();
  });
});
