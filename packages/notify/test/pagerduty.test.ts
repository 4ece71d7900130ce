import { createNotifier, pagerdutyChannel, type Delivery, type NotifyDeliveryError } from '@telltale/notify';
import { afterEach, describe, expect, it } from 'vitest';
import { captureLogger, startPeer, type HttpPeer, type PeerReply, type RecordedRequest } from './support/http-peer.js';

const ROUTING_KEY = 'R0UTINGKEY0123456789abcdefABCDEF';
const peers: HttpPeer[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  for (const peer of peers.splice(0)) await peer.close();
});

/** Events API v2 /v2/enqueue: validation errors as documented, 202 with dedup_key. */
function pagerdutyBehaviour(request: RecordedRequest): PeerReply {
  const event = request.json;
  const errors: string[] = [];
  if (request.path !== '/v2/enqueue') return { status: 404, body: { status: 'not found' } };
  if (typeof event?.routing_key !== 'string' || event.routing_key.length !== 32)
    errors.push("'routing_key' is invalid");
  if (!['trigger', 'acknowledge', 'resolve'].includes(event?.event_action)) errors.push("'event_action' is invalid");
  if (event?.event_action === 'trigger') {
    if (typeof event.payload?.summary !== 'string' || event.payload.summary.length > 1024)
      errors.push("'payload.summary' is missing or blank");
    if (typeof event.payload?.source !== 'string') errors.push("'payload.source' is missing or blank");
    if (!['critical', 'error', 'warning', 'info'].includes(event.payload?.severity))
      errors.push("'payload.severity' is invalid");
  } else if (typeof event?.dedup_key !== 'string') errors.push("'dedup_key' is missing");
  if (errors.length > 0)
    return { status: 400, body: { status: 'invalid event', message: 'Event object is invalid', errors } };
  return {
    status: 202,
    body: { status: 'success', message: 'Event processed', dedup_key: event.dedup_key ?? 'generated' },
  };
}

const delivery = (overrides: Partial<Delivery['message']> = {}): Delivery => ({
  id: 'm1:pager',
  idempotencyKey: 'alert-checkout-errors',
  channel: 'pager',
  attempt: 1,
  enqueuedAt: Date.parse('2026-11-23T02:00:00Z'),
  message: {
    to: [],
    subject: 'Checkout errors above 5%',
    text: 'See dashboard',
    severity: 'critical',
    status: 'firing',
    data: { service: 'checkout' },
    ...overrides,
  },
});

describe('pagerdutyChannel against an Events API v2-shaped server', () => {
  it('triggers with dedup_key = idempotency key and resolves with the correlation key', async () => {
    const peer = await startPeer(pagerdutyBehaviour);
    peers.push(peer);
    const channel = pagerdutyChannel({
      routingKey: ROUTING_KEY,
      url: `${peer.url}/v2/enqueue`,
      source: 'checkout-1',
      component: 'api',
      client: 'Telltale',
    });
    const signal = new AbortController().signal;
    const triggered = await channel.deliver(
      delivery({ links: [{ href: 'https://example.com/runbook', text: 'Runbook' }] }),
      { signal },
    );
    expect(triggered.providerMessageId).toBe('alert-checkout-errors');
    expect(peer.requests[0]!.json).toEqual({
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: 'alert-checkout-errors',
      payload: {
        summary: 'Checkout errors above 5%',
        source: 'checkout-1',
        severity: 'critical',
        timestamp: '2026-11-23T02:00:00.000Z',
        component: 'api',
        custom_details: { service: 'checkout', text: 'See dashboard' },
      },
      links: [{ href: 'https://example.com/runbook', text: 'Runbook' }],
      client: 'Telltale',
    });
    await channel.deliver(
      { ...delivery({ status: 'resolved', correlationKey: 'checkout-errors' }), idempotencyKey: 'other' },
      { signal },
    );
    expect(peer.requests[1]!.json).toEqual({
      routing_key: ROUTING_KEY,
      event_action: 'resolve',
      dedup_key: 'checkout-errors',
    });
  });

  it('classifies 400 invalid event as permanent, 429 as rate-limited and 5xx as retryable', async () => {
    let status = 400;
    const peer = await startPeer((request) =>
      status === 400
        ? pagerdutyBehaviour(request)
        : status === 429
          ? { status: 429, body: { status: 'throttle exceeded' } }
          : { status: 500 },
    );
    peers.push(peer);
    const channel = pagerdutyChannel({ routingKey: 'short-key', url: `${peer.url}/v2/enqueue` });
    const fail = () =>
      channel.deliver(delivery(), { signal: new AbortController().signal }).then(
        () => undefined,
        (error: unknown) => error as NotifyDeliveryError,
      );
    const invalid = await fail();
    expect(invalid).toMatchObject({ classification: 'permanent', status: 400, providerCode: 'invalid event' });
    expect(invalid?.message).toContain("'routing_key' is invalid");
    expect(invalid?.message).not.toContain('short-key');
    status = 429;
    expect(await fail()).toMatchObject({ classification: 'rate-limited', status: 429 });
    status = 500;
    expect(await fail()).toMatchObject({ classification: 'retryable', status: 500 });
  });

  it('retries a 429 through the notifier with backoff when no Retry-After is sent, keeping one dedup_key', async () => {
    const peer = await startPeer((request, index) =>
      index === 0 ? { status: 429, body: { status: 'throttle exceeded' } } : pagerdutyBehaviour(request),
    );
    peers.push(peer);
    const logs = captureLogger();
    const notifier = createNotifier({
      channels: { pager: pagerdutyChannel({ routingKey: ROUTING_KEY, url: `${peer.url}/v2/enqueue` }) },
      retry: { initialDelay: 20, maxDelay: 40 },
      logger: logs.logger,
    });
    closers.push(() => notifier.close());
    await notifier.send(
      { subject: 'Disk full', severity: 'error' },
      { idempotencyKey: 'disk-full-db1', await: 'delivered' },
    );
    expect(peer.requests.map((request) => request.json.dedup_key)).toEqual(['disk-full-db1', 'disk-full-db1']);
    expect(logs.text()).not.toContain(ROUTING_KEY);
  });

  it('validates the routing key without echoing it', () => {
    expect(() => pagerdutyChannel({ routingKey: '' })).toThrow(/pagerdutyChannel.routingKey/);
  });
});
