import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { createNotifier, signStandardWebhook, webhookChannel } from '@telltale/notify';
import { afterEach, describe, expect, it } from 'vitest';
import { captureLogger, startPeer, type HttpPeer, type PeerReply, type RecordedRequest } from './support/http-peer.js';

const secret = () => `whsec_${randomBytes(32).toString('base64')}`;
const peers: HttpPeer[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  for (const peer of peers.splice(0)) await peer.close();
});

/** A receiver verifying with the reference `standardwebhooks` library. */
function verifying(
  receiverSecret: string,
  after: (request: RecordedRequest, index: number) => PeerReply = () => ({ status: 204 }),
) {
  const receiver = new Webhook(receiverSecret);
  return (request: RecordedRequest, index: number): PeerReply => {
    try {
      receiver.verify(request.body, request.headers as Record<string, string>);
    } catch (error) {
      return { status: 401, body: `signature rejected: ${(error as Error).message}` };
    }
    return after(request, index);
  };
}

describe('webhookChannel (Standard Webhooks)', () => {
  it('signs so that the standardwebhooks library verifies, with a stable webhook-id across retries', async () => {
    const key = secret();
    const peer = await startPeer(
      verifying(key, (_request, index) => (index < 2 ? { status: 503, body: 'busy' } : { status: 200, body: 'ok' })),
    );
    peers.push(peer);
    const notifier = createNotifier({
      channels: { hooks: webhookChannel({ url: `${peer.url}/hooks?token=abc123secret`, secret: key }) },
      retry: { initialDelay: 5, maxDelay: 10 },
    });
    closers.push(() => notifier.close());
    await notifier.send(
      {
        subject: 'Order shipped',
        text: 'Order 42 left the warehouse',
        data: { orderId: 42 },
        links: [{ href: 'https://example.com/o/42' }],
      },
      { idempotencyKey: 'order-42-shipped', await: 'delivered' },
    );
    expect(peer.requests).toHaveLength(3);
    expect(new Set(peer.requests.map((request) => request.headers['webhook-id']))).toEqual(
      new Set(['order-42-shipped']),
    );
    for (const request of peer.requests) {
      expect(request.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
      expect(Math.abs(Number(request.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
    }
    const payload = new Webhook(key).verify(
      peer.requests[2]!.body,
      peer.requests[2]!.headers as Record<string, string>,
    );
    expect(payload).toMatchObject({
      type: 'notification',
      data: {
        id: 'order-42-shipped',
        channel: 'hooks',
        subject: 'Order shipped',
        data: { orderId: 42 },
        severity: 'info',
      },
    });
  });

  it('sends one signature per secret during rotation, so receivers on either secret verify', async () => {
    const oldSecret = secret();
    const newSecret = secret();
    const peer = await startPeer(verifying(newSecret));
    peers.push(peer);
    const channel = webhookChannel({ url: peer.url, secret: [oldSecret, newSecret] });
    await channel.deliver(
      {
        id: 'd1',
        idempotencyKey: 'msg_1',
        channel: 'hooks',
        attempt: 1,
        enqueuedAt: Date.now(),
        message: { to: [], subject: 'x', severity: 'info', status: 'firing' },
      },
      { signal: new AbortController().signal },
    );
    const request = peer.requests[0]!;
    expect(String(request.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(() => new Webhook(oldSecret).verify(request.body, request.headers as Record<string, string>)).not.toThrow();
    expect(signStandardWebhook([newSecret], 'msg_1', Number(request.headers['webhook-timestamp']), request.body)).toBe(
      String(request.headers['webhook-signature']).split(' ')[1],
    );
  });

  it('disables the endpoint on 410 and dead-letters its messages with that reason', async () => {
    const key = secret();
    let gone = false;
    const peer = await startPeer(
      verifying(key, () => (gone ? { status: 410, body: 'endpoint removed' } : { status: 204 })),
    );
    peers.push(peer);
    const logs = captureLogger();
    const notifier = createNotifier({
      channels: { hooks: webhookChannel({ url: `${peer.url}/in?token=abc123secret`, secret: key, concurrency: 1 }) },
      logger: logs.logger,
    });
    closers.push(() => notifier.close());
    await notifier.send({ subject: 'one' }, { await: 'delivered' });
    gone = true;
    const sends = [
      notifier.send({ subject: 'two' }, { await: 'delivered' }),
      notifier.send({ subject: 'three' }, { await: 'delivered' }),
    ];
    const outcomes = await Promise.allSettled(sends);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
    await expect(notifier.send({ subject: 'four' }, { await: 'delivered' })).rejects.toMatchObject({
      code: 'TELLTALE_NOTIFY_UNDELIVERED',
    });
    expect(peer.requests).toHaveLength(2);
    const dead = notifier.deadLetters();
    expect(dead.map((letter) => letter.message.subject)).toEqual(['two', 'three', 'four']);
    expect(dead.every((letter) => letter.error.status === 410 && letter.error.classification === 'endpoint-gone')).toBe(
      true,
    );
    expect(dead[0]!.error.message).toContain('endpoint removed');
    expect(notifier.stats().hooks?.disabled).toMatchObject({ status: 410 });
    expect(logs.text()).toContain('channel disabled');
    expect(logs.text()).not.toContain('abc123secret');
  });

  it('validates secrets without echoing them', () => {
    expect(() => webhookChannel({ url: 'https://example.com', secret: 'whsec_short' })).toThrow(/24 to 64 bytes/);
    expect(() => webhookChannel({ url: 'https://example.com', secret: 'whsec_short' })).not.toThrow(/whsec_short/);
    expect(() => webhookChannel({ url: 'https://example.com', secret: [] })).toThrow(/webhookChannel.secret/);
  });
});
