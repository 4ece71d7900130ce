import {
  createNotifier,
  sendgridChannel,
  type Delivery,
  type NotificationChannel,
  type NotifyDeliveryError,
} from '@telltale/notify';
import { afterEach, describe, expect, it } from 'vitest';
import { captureLogger, startPeer, type HttpPeer, type PeerReply, type RecordedRequest } from './support/http-peer.js';

const API_KEY = 'SG.test-key.very-secret-value';
const peers: HttpPeer[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  for (const peer of peers.splice(0)) await peer.close();
});

/** SendGrid v3 /mail/send as documented: auth, body validation, 202 + X-Message-Id, error arrays, 429 + X-RateLimit-*. */
function sendgridBehaviour(request: RecordedRequest): PeerReply | undefined {
  if (request.method !== 'POST' || request.path !== '/v3/mail/send')
    return { status: 404, body: { errors: [{ message: 'not found', field: null, help: null }] } };
  if (request.headers.authorization !== `Bearer ${API_KEY}`) {
    return {
      status: 401,
      body: {
        errors: [
          { message: 'The provided authorization grant is invalid, expired, or revoked', field: null, help: null },
        ],
      },
    };
  }
  const body = request.json;
  const errors: { message: string; field: string }[] = [];
  if (!Array.isArray(body?.personalizations) || body.personalizations.length === 0)
    errors.push({ message: 'The personalizations field is required.', field: 'personalizations' });
  for (const personalization of body?.personalizations ?? []) {
    if (
      !Array.isArray(personalization.to) ||
      personalization.to.some((entry: { email?: unknown }) => typeof entry.email !== 'string')
    ) {
      errors.push({
        message: 'The to array is required for all personalization objects.',
        field: 'personalizations.0.to',
      });
    }
  }
  if (typeof body?.from?.email !== 'string')
    errors.push({ message: 'The from object must be provided for every email send.', field: 'from' });
  if (typeof body?.subject !== 'string' || body.subject === '')
    errors.push({ message: 'The subject is required.', field: 'subject' });
  if (!Array.isArray(body?.content) || body.content.length === 0 || body.content[0].type !== 'text/plain') {
    errors.push({
      message: 'If present, text/plain and text/html may only be provided in that order.',
      field: 'content',
    });
  }
  for (const value of Object.values(body?.custom_args ?? {})) {
    if (typeof value !== 'string')
      errors.push({ message: 'Custom args values must be strings.', field: 'custom_args' });
  }
  if (errors.length > 0) return { status: 400, body: { errors: errors.map((error) => ({ ...error, help: null })) } };
  return undefined;
}

const delivery = (overrides: Partial<Delivery['message']> = {}): Delivery => ({
  id: 'm1:email',
  idempotencyKey: 'invoice-42',
  channel: 'email',
  attempt: 1,
  enqueuedAt: Date.now(),
  message: {
    to: [{ address: 'ana@example.com', name: 'Ana' }],
    subject: 'Payment failed',
    text: 'Update your card',
    severity: 'warning',
    status: 'firing',
    ...overrides,
  },
});

async function deliverError(channel: NotificationChannel, message = delivery()): Promise<NotifyDeliveryError> {
  return channel.deliver(message, { signal: new AbortController().signal }).then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error as NotifyDeliveryError,
  );
}

describe('sendgridChannel against a SendGrid-shaped server', () => {
  it('posts a valid v3 body with custom_args and returns X-Message-Id', async () => {
    const peer = await startPeer(
      (request) => sendgridBehaviour(request) ?? { status: 202, headers: { 'x-message-id': 'sg-abc123' } },
    );
    peers.push(peer);
    const channel = sendgridChannel({
      apiKey: API_KEY,
      from: { address: 'billing@example.com', name: 'Billing' },
      baseUrl: peer.url,
      categories: ['billing'],
    });
    const result = await channel.deliver(delivery({ html: '<b>Update</b>' }), { signal: new AbortController().signal });
    expect(result.providerMessageId).toBe('sg-abc123');
    const body = peer.requests[0]!.json;
    expect(body).toMatchObject({
      personalizations: [{ to: [{ email: 'ana@example.com', name: 'Ana' }] }],
      from: { email: 'billing@example.com', name: 'Billing' },
      subject: 'Payment failed',
      content: [
        { type: 'text/plain', value: 'Update your card' },
        { type: 'text/html', value: '<b>Update</b>' },
      ],
      custom_args: { idempotency_key: 'invoice-42', telltale_delivery_id: 'm1:email' },
      categories: ['billing'],
    });
  });

  it('classifies 429 as rate-limited until X-RateLimit-Reset, 400 as permanent with the error text, 5xx as retryable', async () => {
    const reset = Math.floor(Date.now() / 1000) + 30;
    let mode = 429;
    const peer = await startPeer((request) => {
      if (mode === 429) {
        return {
          status: 429,
          headers: { 'x-ratelimit-limit': '600', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
          body: { errors: [{ field: null, message: 'too many requests' }] },
        };
      }
      if (mode === 503) return { status: 503, body: 'upstream unavailable' };
      return sendgridBehaviour(request) ?? { status: 202 };
    });
    peers.push(peer);
    const channel = sendgridChannel({ apiKey: API_KEY, from: 'billing@example.com', baseUrl: peer.url });
    const limited = await deliverError(channel);
    expect(limited).toMatchObject({ code: 'TELLTALE_NOTIFY_DELIVERY', classification: 'rate-limited', status: 429 });
    expect(limited.retryAfterMs!).toBeGreaterThan(28_000);
    expect(limited.retryAfterMs!).toBeLessThanOrEqual(30_000);

    mode = 503;
    expect(await deliverError(channel)).toMatchObject({ classification: 'retryable', status: 503 });

    mode = 200;
    const bad = sendgridChannel({ apiKey: 'SG.wrong', from: 'billing@example.com', baseUrl: peer.url });
    const unauthorized = await deliverError(bad);
    expect(unauthorized).toMatchObject({ classification: 'permanent', status: 401 });
    expect(unauthorized.message).toMatch(/authorization grant is invalid/);
    expect(unauthorized.message).not.toContain('SG.wrong');
  });

  it('is retried through the notifier after a 429 and never logs the API key', async () => {
    const reset = Math.floor(Date.now() / 1000) + 60;
    const peer = await startPeer((request, index) =>
      index === 0
        ? {
            status: 429,
            headers: { 'x-ratelimit-reset': String(reset) },
            body: { errors: [{ field: null, message: 'too many requests' }] },
          }
        : (sendgridBehaviour(request) ?? { status: 202, headers: { 'x-message-id': 'sg-2' } }),
    );
    peers.push(peer);
    const logs = captureLogger();
    const notifier = createNotifier({
      channels: { email: sendgridChannel({ apiKey: API_KEY, from: 'billing@example.com', baseUrl: peer.url }) },
      retry: { maxRetryAfter: 50 },
      logger: logs.logger,
    });
    closers.push(() => notifier.close());
    const delays: (number | undefined)[] = [];
    notifier.onEvent((event) => event.type === 'rate-limited' && delays.push(event.delayMs));
    const receipt = await notifier.send(
      { to: ['ana@example.com'], subject: 'Hi', text: 'x' },
      { await: 'delivered', idempotencyKey: 'k-1' },
    );
    expect(receipt.results?.email?.providerMessageId).toBe('sg-2');
    expect(delays).toEqual([50]);
    expect(peer.requests).toHaveLength(2);
    expect(logs.text()).not.toContain(API_KEY);
  });

  it('validates options without echoing the key', () => {
    expect(() => sendgridChannel({ apiKey: '', from: 'a@example.com' })).toThrow(/sendgridChannel.apiKey/);
    expect(() => sendgridChannel({ apiKey: API_KEY, from: 'nope' })).toThrow(/sendgridChannel.from/);
    try {
      sendgridChannel({ apiKey: API_KEY, from: 'a@example.com', baseUrl: 'ftp://x' });
    } catch (error) {
      expect(String(error)).not.toContain(API_KEY);
    }
  });
});
