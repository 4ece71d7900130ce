import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { openSse, openWs, startHub, until, type TestHub } from './helpers.js';

describe('slow consumers', () => {
  let running: TestHub | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });
  const big = 'x'.repeat(60_000);

  it('drops an SSE client that stops reading, without blocking the others', async () => {
    running = await startHub({ maxBufferedBytes: 256 * 1024 });
    const url = new URL(running.base);
    const stalled = connect(Number(url.port), url.hostname);
    stalled.write('GET /live/t HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n');
    stalled.pause(); // never reads: the kernel buffers fill, then the server's
    const healthy = await openSse(`${running.base}/live/t`);
    await until(() => running!.hub.stats().connections === 2);
    let published = 0;
    while (running.hub.stats().connections === 2 && published < 2000) {
      await running.hub.publish('t', { data: big });
      published++;
      await new Promise((resolve) => setTimeout(resolve, 1)); // a publisher that lets I/O run
    }
    expect(running.hub.stats().connections).toBe(1);
    expect(published).toBeLessThan(2000);
    await running.hub.publish('t', { data: 'after' });
    await healthy.waitFor(published + 1, 10_000);
    expect(healthy.frames.at(-1)?.data).toBe('"after"');
    stalled.destroy();
    healthy.close();
  });

  it('drops a WebSocket client whose buffer passes the bound', async () => {
    running = await startHub({ maxBufferedBytes: 256 * 1024 });
    const stalled = await openWs(`${running.base.replace('http', 'ws')}/live/t`);
    (stalled.socket as unknown as { _socket: { pause(): void } })._socket.pause();
    const healthy = await openWs(`${running.base.replace('http', 'ws')}/live/t`);
    await until(() => running!.hub.stats().connections === 2);
    let published = 0;
    while (running.hub.stats().connections === 2 && published < 2000) {
      await running.hub.publish('t', { data: big });
      published++;
      await new Promise((resolve) => setTimeout(resolve, 1)); // a publisher that lets I/O run
    }
    expect(running.hub.stats().connections).toBe(1);
    await healthy.waitFor(published, 10_000);
    healthy.socket.close();
    stalled.socket.terminate();
  });
});
