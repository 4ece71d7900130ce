import {
  createNotifier,
  discordChannel,
  NotifyDeliveryError,
  slackChannel,
  teamsChannel,
  type Delivery,
  type NotificationChannel,
} from '@telltale/notify';
import { afterEach, describe, expect, it } from 'vitest';
import { captureLogger, startPeer, type HttpPeer, type PeerReply, type RecordedRequest } from './support/http-peer.js';
import { DELIVERY_PATHS } from './support/shared-memory-queue.js';

const peers: HttpPeer[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  for (const peer of peers.splice(0)) await peer.close();
});

const SLACK_TOKEN_PATH = '/services/T000/B000/XXXXsecretTOKEN';

const delivery = (overrides: Partial<Delivery['message']> = {}): Delivery => ({
  id: 'm1:chat',
  idempotencyKey: 'k1',
  channel: 'chat',
  attempt: 1,
  enqueuedAt: Date.now(),
  message: {
    to: [],
    subject: 'Checkout error rate 7%',
    text: 'p95 latency <2s> & errors rising',
    severity: 'critical',
    status: 'firing',
    links: [{ href: 'https://grafana.example.com/d/1', text: 'Dashboard' }],
    ...overrides,
  },
});

async function failure(channel: NotificationChannel): Promise<NotifyDeliveryError> {
  const error = await channel.deliver(delivery(), { signal: new AbortController().signal }).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(NotifyDeliveryError);
  return error as NotifyDeliveryError;
}

/** Slack incoming webhook: JSON with text or blocks; answers `ok` or a plain-text error code. */
function slackBehaviour(request: RecordedRequest): PeerReply | undefined {
  if (request.path !== SLACK_TOKEN_PATH) return { status: 404, body: 'no_service' };
  if (request.headers['content-type'] !== 'application/json' || request.json === undefined)
    return { status: 400, body: 'invalid_payload' };
  const { text, blocks } = request.json;
  if (typeof text !== 'string' && !Array.isArray(blocks)) return { status: 400, body: 'no_text' };
  if (Array.isArray(blocks)) {
    if (blocks.length > 50) return { status: 400, body: 'invalid_blocks' };
    for (const block of blocks) {
      if (block.type === 'header' && (block.text?.type !== 'plain_text' || block.text.text.length > 150))
        return { status: 400, body: 'invalid_blocks' };
      if (block.type === 'section' && block.text?.text?.length > 3000) return { status: 400, body: 'invalid_blocks' };
    }
  }
  return undefined;
}

describe('slackChannel against a Slack-shaped webhook', () => {
  it('posts Block Kit with a text fallback and escapes mrkdwn', async () => {
    const peer = await startPeer((request) => slackBehaviour(request) ?? { status: 200, body: 'ok' });
    peers.push(peer);
    const channel = slackChannel({ webhookUrl: peer.url + SLACK_TOKEN_PATH });
    await channel.deliver(delivery({ subject: 'S'.repeat(300) }), { signal: new AbortController().signal });
    const body = peer.requests[0]!.json;
    expect(typeof body.text).toBe('string');
    expect(body.blocks.map((block: { type: string }) => block.type)).toEqual([
      'header',
      'section',
      'context',
      'actions',
    ]);
    expect(body.blocks[0].text.text.length).toBeLessThanOrEqual(150);
    expect(body.blocks[1].text.text).toBe('p95 latency &lt;2s&gt; &amp; errors rising');
    expect(body.blocks[3].elements[0]).toMatchObject({ type: 'button', url: 'https://grafana.example.com/d/1' });
    expect(channel.rateLimit).toEqual({ perSecond: 1, burst: 1 });
  });

  it('classifies Slack errors', async () => {
    let reply: PeerReply = { status: 200, body: 'ok' };
    const peer = await startPeer(() => reply);
    peers.push(peer);
    const channel = slackChannel({ webhookUrl: peer.url + SLACK_TOKEN_PATH });
    reply = { status: 429, headers: { 'retry-after': '30' }, body: 'rate_limited' };
    expect(await failure(channel)).toMatchObject({ classification: 'rate-limited', retryAfterMs: 30_000, status: 429 });
    reply = { status: 400, body: 'invalid_blocks' };
    expect(await failure(channel)).toMatchObject({ classification: 'permanent', providerCode: 'invalid_blocks' });
    reply = { status: 403, body: 'action_prohibited' };
    expect(await failure(channel)).toMatchObject({ classification: 'permanent' });
    reply = { status: 404, body: 'no_service' };
    expect(await failure(channel)).toMatchObject({ classification: 'endpoint-gone' });
    reply = { status: 410, body: 'channel_is_archived' };
    expect(await failure(channel)).toMatchObject({ classification: 'endpoint-gone' });
    reply = { status: 500, body: 'rollup_error' };
    const serverError = await failure(channel);
    expect(serverError).toMatchObject({ classification: 'retryable' });
    expect(serverError.message).not.toContain('XXXXsecretTOKEN');
  });

  it.each(DELIVERY_PATHS)(
    'waits for Retry-After through the notifier, then delivers; the webhook token never reaches logs ($name)',
    async (path) => {
      const peer = await startPeer((request, index) =>
        index === 0
          ? { status: 429, headers: { 'retry-after': '1' }, body: 'rate_limited' }
          : (slackBehaviour(request) ?? { status: 200, body: 'ok' }),
      );
      peers.push(peer);
      const logs = captureLogger();
      const notifier = createNotifier({
        channels: { ops: slackChannel({ webhookUrl: peer.url + SLACK_TOKEN_PATH }) },
        rateLimits: { ops: { perSecond: 100 } },
        retry: { maxRetryAfter: 100 },
        logger: logs.logger,
        ...path.options(),
      });
      closers.push(() => notifier.close());
      const started = Date.now();
      await notifier.send({ subject: 'Deploy done' }, { await: 'delivered' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(90);
      expect(peer.requests).toHaveLength(2);
      expect(logs.text()).toContain('rate-limited');
      expect(logs.text()).not.toContain('XXXXsecretTOKEN');
    },
  );

  it('times out a silent endpoint as retryable and leaves the caller unharmed', async () => {
    const peer = await startPeer(
      () => new Promise<PeerReply>((resolve) => setTimeout(() => resolve({ status: 200, body: 'ok' }), 2000)),
    );
    peers.push(peer);
    const channel = slackChannel({ webhookUrl: peer.url + SLACK_TOKEN_PATH, timeout: 100 });
    const error = await failure(channel);
    expect(error).toMatchObject({ classification: 'retryable', message: 'slack request timed out' });
  });

  it('refuses a non-URL without echoing it', () => {
    expect(() => slackChannel({ webhookUrl: 'hooks.slack.com/services/secret' })).toThrow(/slackChannel.webhookUrl/);
    expect(() => slackChannel({ webhookUrl: 'hooks.slack.com/services/secret' })).not.toThrow(/secret/);
  });
});

describe('teamsChannel against a Workflows-shaped webhook', () => {
  function teamsBehaviour(request: RecordedRequest): PeerReply | undefined {
    const body = request.json;
    const attachment = body?.attachments?.[0];
    if (
      body?.type !== 'message' ||
      attachment?.contentType !== 'application/vnd.microsoft.card.adaptive' ||
      attachment?.content?.type !== 'AdaptiveCard'
    ) {
      return {
        status: 400,
        body: {
          error: {
            code: 'InvalidRequestContent',
            message: 'The input body for trigger manual of type Request did not match its schema definition.',
          },
        },
      };
    }
    return undefined;
  }

  it('posts an Adaptive Card attachment and accepts 202', async () => {
    const peer = await startPeer((request) => teamsBehaviour(request) ?? { status: 202 });
    peers.push(peer);
    const channel = teamsChannel({
      webhookUrl: `${peer.url}/workflows/abc/triggers/manual/paths/invoke?sig=secretsig`,
    });
    await channel.deliver(delivery(), { signal: new AbortController().signal });
    const card = peer.requests[0]!.json.attachments[0].content;
    expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
    expect(card.body[0]).toMatchObject({
      type: 'TextBlock',
      text: '[CRITICAL] Checkout error rate 7%',
      color: 'attention',
    });
    expect(card.actions[0]).toMatchObject({ type: 'Action.OpenUrl', url: 'https://grafana.example.com/d/1' });
  });

  it('classifies Teams errors and never leaks the sig', async () => {
    let reply: PeerReply = { status: 202 };
    const peer = await startPeer(() => reply);
    peers.push(peer);
    const channel = teamsChannel({ webhookUrl: `${peer.url}/workflows/abc?sig=secretsig` });
    reply = {
      status: 429,
      headers: { 'retry-after': '7' },
      body: { error: { code: 'TooManyRequests', message: 'Rate limit is exceeded.' } },
    };
    expect(await failure(channel)).toMatchObject({
      classification: 'rate-limited',
      retryAfterMs: 7000,
      providerCode: 'TooManyRequests',
    });
    reply = { status: 400, body: { error: { code: 'InvalidRequestContent', message: 'schema mismatch' } } };
    const bad = await failure(channel);
    expect(bad).toMatchObject({ classification: 'permanent', providerCode: 'InvalidRequestContent' });
    expect(bad.message).not.toContain('secretsig');
    reply = { status: 404, body: { error: { code: 'WorkflowNotFound', message: 'gone' } } };
    expect(await failure(channel)).toMatchObject({ classification: 'endpoint-gone' });
    reply = { status: 502 };
    expect(await failure(channel)).toMatchObject({ classification: 'retryable' });
  });
});

describe('discordChannel against a Discord-shaped webhook', () => {
  function discordBehaviour(request: RecordedRequest): PeerReply | undefined {
    if (!request.path.startsWith('/api/webhooks/123/tok'))
      return { status: 404, body: { message: 'Unknown Webhook', code: 10015 } };
    const body = request.json;
    if (!body || (typeof body.content !== 'string' && !Array.isArray(body.embeds)))
      return { status: 400, body: { message: 'Cannot send an empty message', code: 50006 } };
    if (typeof body.content === 'string' && body.content.length > 2000)
      return { status: 400, body: { message: 'Invalid Form Body', code: 50035 } };
    return undefined;
  }

  it('posts content and an embed with mentions disabled, and returns the message id with wait=true', async () => {
    const peer = await startPeer(
      (request) =>
        discordBehaviour(request) ??
        (request.path.includes('wait=true') ? { status: 200, body: { id: '998877', type: 0 } } : { status: 204 }),
    );
    peers.push(peer);
    const channel = discordChannel({ webhookUrl: `${peer.url}/api/webhooks/123/tok`, username: 'Telltale' });
    const result = await channel.deliver(delivery({ subject: '@everyone deploy' }), {
      signal: new AbortController().signal,
    });
    expect(result.providerMessageId).toBe('998877');
    const body = peer.requests[0]!.json;
    expect(body).toMatchObject({ username: 'Telltale', allowed_mentions: { parse: [] } });
    expect(body.embeds[0]).toMatchObject({
      title: '[CRITICAL] @everyone deploy',
      url: 'https://grafana.example.com/d/1',
    });
  });

  it('honours retry_after from the 429 JSON body and classifies unknown webhooks as gone', async () => {
    let reply: PeerReply = { status: 204 };
    const peer = await startPeer(() => reply);
    peers.push(peer);
    const channel = discordChannel({ webhookUrl: `${peer.url}/api/webhooks/123/tok` });
    reply = {
      status: 429,
      headers: { 'retry-after': '1' },
      body: { message: 'You are being rate limited.', retry_after: 0.347, global: false },
    };
    expect(await failure(channel)).toMatchObject({ classification: 'rate-limited', retryAfterMs: 347 });
    reply = { status: 404, body: { message: 'Unknown Webhook', code: 10015 } };
    expect(await failure(channel)).toMatchObject({ classification: 'endpoint-gone', providerCode: '10015' });
    reply = { status: 400, body: { message: 'Invalid Form Body', code: 50035 } };
    expect(await failure(channel)).toMatchObject({ classification: 'permanent', providerCode: '50035' });
  });
});
