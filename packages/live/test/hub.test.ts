import { afterEach, describe, expect, it } from 'vitest';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { memoryBroker, type LiveBroker } from '@telltale/live';
import { collectMetrics } from '../../../test-support/metric-reader.js';
import { openSse, openWs, startHub, until, type TestHub } from './helpers.js';

class TestReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

describe('live hub', () => {
  const running: TestHub[] = [];
  afterEach(async () => {
    for (const hub of running.splice(0)) await hub.close();
  });

  it('fans out across hubs sharing one broker, with one id sequence per topic', async () => {
    const broker = memoryBroker();
    const shared = { ...broker, close: () => Promise.resolve() };
    const a = await startHub({ broker: shared });
    const b = await startHub({ broker: shared });
    running.push(a, b);
    const onB = await openSse(`${b.base}/live/t`);
    await until(() => b.hub.stats().connections === 1);
    expect(await a.hub.publish('t', { data: 'from a' })).toBe(1);
    expect(await b.hub.publish('t', { data: 'from b' })).toBe(2);
    expect((await onB.waitFor(2)).map((frame) => frame.data)).toEqual(['"from a"', '"from b"']);
    onB.close();
  });

  it('delivers on its own instance, logs and counts when the broker cannot publish', async () => {
    const broker = memoryBroker();
    const logged: unknown[] = [];
    const failing: LiveBroker = { ...broker, publish: () => Promise.reject(new Error('store down')) };
    const reader = new TestReader();
    const meterProvider = new MeterProvider({ readers: [reader] });
    const hub = await startHub({
      broker: failing,
      meterProvider,
      logger: { error: (object: unknown) => logged.push(object) },
    });
    running.push(hub);
    const client = await openSse(`${hub.base}/live/t`);
    await until(() => hub.hub.stats().connections === 1);
    expect(await hub.hub.publish('t', { data: 'one' })).toBe(1);
    expect(await hub.hub.publish('t', { data: 'two' })).toBe(2);
    expect((await client.waitFor(2)).map((frame) => frame.id)).toEqual(['1', '2']);
    expect(logged).toHaveLength(2);
    const metrics = await collectMetrics(reader);
    expect(metrics['telltale.live.broker.errors']?.points).toEqual([
      { attributes: { operation: 'publish' }, value: 2 },
    ]);
    client.close();
  });

  it('records connections, connect time, deliveries, drops and refusals', async () => {
    const reader = new TestReader();
    const meterProvider = new MeterProvider({ readers: [reader] });
    const hub = await startHub({ meterProvider, maxConnectionsPerKey: 2 });
    running.push(hub);
    const sse = await openSse(`${hub.base}/live/t`);
    const ws = await openWs(`${hub.base.replace('http', 'ws')}/live/t`);
    await until(() => hub.hub.stats().connections === 2);
    expect((await fetch(`${hub.base}/live/t?after=0`)).status).toBe(429);
    await hub.hub.publish('t', { data: 1 });
    await sse.waitFor(1);
    await ws.waitFor(1);
    let metrics = await collectMetrics(reader);
    expect(metrics['telltale.live.connections']).toEqual({
      unit: '{connection}',
      points: [
        { attributes: { transport: 'sse' }, value: 1 },
        { attributes: { transport: 'websocket' }, value: 1 },
      ],
    });
    expect(metrics['telltale.live.messages']?.points).toEqual([
      { attributes: { transport: 'sse', outcome: 'delivered' }, value: 1 },
      { attributes: { transport: 'websocket', outcome: 'delivered' }, value: 1 },
    ]);
    expect(metrics['telltale.live.refusals']?.points).toEqual([{ attributes: { reason: 'key_limit' }, value: 1 }]);
    const connect = metrics['telltale.live.connect.duration']!;
    expect(connect.unit).toBe('s');
    expect(connect.points.map((point) => (point.value as { count: number }).count)).toEqual([1, 1]);
    const delivery = metrics['telltale.live.delivery.duration']!;
    expect(delivery.points.map((point) => point.attributes)).toEqual([
      { transport: 'sse' },
      { transport: 'websocket' },
    ]);
    ws.socket.close();
    await ws.closed;
    await until(() => hub.hub.stats().connections === 1);
    metrics = await collectMetrics(reader);
    expect(metrics['telltale.live.disconnections']?.points).toEqual([
      { attributes: { transport: 'websocket', reason: 'client' }, value: 1 },
    ]);
    expect(metrics['telltale.live.connection.duration']?.points.map((point) => point.attributes)).toEqual([
      { transport: 'websocket' },
    ]);
    sse.close();
  });

  it('never reflects event data into HTML: every answer is JSON or an event stream', async () => {
    const hub = await startHub();
    running.push(hub);
    await hub.hub.publish('t', { data: '<script>alert(1)</script>' });
    const poll = await fetch(`${hub.base}/live/t?after=0`, { headers: { accept: 'text/html' } });
    expect(poll.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(poll.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await poll.text()).toContain('"<script>alert(1)</script>"');
    const encoded = await fetch(`${hub.base}/live/%3Cscript%3E`, { headers: { accept: 'text/html' } });
    expect(encoded.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const missing = await fetch(`${hub.base}/live/a//%3Cscript%3E`, { headers: { accept: 'text/html' } });
    expect(missing.status).toBe(404);
    expect(await missing.text()).not.toContain('script');
  });

  it('reports stats and closes every stream on close()', async () => {
    const hub = await startHub();
    const sse = await openSse(`${hub.base}/live/a`);
    const ws = await openWs(`${hub.base.replace('http', 'ws')}/live/b`);
    await until(() => hub.hub.stats().connections === 2);
    expect(hub.hub.stats()).toEqual({
      connections: 2,
      byTransport: { sse: 1, websocket: 1, polling: 0 },
      topics: 2,
      keys: 1,
    });
    await hub.close();
    await sse.ended;
    expect((await ws.closed).code).toBe(1001);
    expect(hub.hub.stats().connections).toBe(0);
  });
});
