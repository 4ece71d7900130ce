import Fastify, { type FastifyInstance } from 'fastify';
import { TelltaleError } from '@telltale/core';
import { fastifyDashboard } from '@telltale/dashboard/fastify';
import { fastifyHealth } from '@telltale/health/fastify';
import { fastifyLive } from '@telltale/live/fastify';
import { fastifyMetrics } from '@telltale/metrics/fastify';
import { fastifyAlertmanagerWebhook } from '@telltale/notify/fastify';
import type { AppConfig } from './config.js';
import type { Observability } from './observability.js';
import { productEmails } from './templates/product-emails.js';
import { refuseUpload } from './upload-auth.js';

const AUDIO_LIMIT_BYTES = 25 * 1024 * 1024;

type SessionParams = { Params: { id: string } };

/**
 * The coaching-session API on Fastify 5, instrumented by Telltale: metrics on
 * every route, `/metrics`, `/health/*`, the dashboard at `/_telltale`, a
 * resilient billing call, and transcription with fallback run as a job whose
 * status streams to `/live/sessions/:id/status` (SSE, WebSocket, polling).
 */
export async function createFastifyApp(config: AppConfig, observability: Observability): Promise<FastifyInstance> {
  const { telemetry, httpMetrics, billing, notifier, transcription, sessions, health, dashboard } = observability;
  // Close dashboard event streams and keep-alive sockets on close() instead of waiting for them.
  const app = Fastify({ logger: false, forceCloseConnections: true });

  await app.register(fastifyMetrics, { metrics: httpMetrics });
  await app.register(fastifyHealth, { registry: health });
  await app.register(fastifyDashboard, { dashboard });
  // Transcription status for the session's own users: GET /live/sessions/:id/status (and WebSocket).
  await app.register(fastifyLive, { hub: transcription.hub });
  if (observability.alertWebhook) {
    await app.register(fastifyAlertmanagerWebhook, { handler: observability.alertWebhook, path: '/alerts/webhook' });
  }

  // The exporter writes the exposition itself; Fastify must not touch the reply.
  app.get('/metrics', { config: { metrics: false } }, (request, reply) => {
    reply.hijack();
    telemetry.metricsHandler(request.raw, reply.raw);
  });

  const rawAudio = (_request: unknown, body: string | Buffer, done: (error: null, body: Buffer) => void) =>
    done(null, Buffer.isBuffer(body) ? body : Buffer.from(body));
  app.addContentTypeParser(/^audio\//, { parseAs: 'buffer', bodyLimit: AUDIO_LIMIT_BYTES }, rawAudio);
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: AUDIO_LIMIT_BYTES }, rawAudio);

  app.get<SessionParams>('/sessions/:id', async (request, reply) => {
    const session = sessions.get(request.params.id);
    if (!session) return reply.code(404).send({ error: 'session not found' });
    return session;
  });

  app.post<SessionParams>('/sessions/:id/charge', async (request, reply) => {
    const session = sessions.get(request.params.id);
    if (!session) return reply.code(404).send({ error: 'session not found' });
    try {
      const charge = await billing.charge(session.id, 9000);
      return reply.code(201).send({ charged: true, chargeId: charge.id });
    } catch (error) {
      const email = productEmails.paymentFailure({
        name: session.client,
        amount: '€90.00',
        retryUrl: `https://coachly.test/sessions/${session.id}/pay`,
      });
      // One email per session and hour, however often the client retries.
      const hour = new Date().toISOString().slice(0, 13);
      await notifier.send(
        { to: [session.client], ...email, severity: 'warning' },
        { channels: ['email'], idempotencyKey: `payment-failed:${session.id}:${hour}` },
      );
      const open = TelltaleError.is(error, 'TELLTALE_CIRCUIT_OPEN');
      return reply.code(503).send({ charged: false, reason: open ? 'billing circuit open' : 'billing unavailable' });
    }
  });

  app.post<SessionParams & { Body: Buffer | undefined }>(
    '/sessions/:id/transcript',
    {
      bodyLimit: AUDIO_LIMIT_BYTES,
      // Authenticated before the up to 25 MB body is read.
      onRequest: async (request, reply) => {
        const refused = refuseUpload(request.headers, config.uploadToken);
        if (refused) await reply.code(refused.status).header('connection', 'close').send({ error: refused.error });
      },
    },
    async (request, reply) => {
      if (!sessions.has(request.params.id)) return reply.code(404).send({ error: 'session not found' });
      const audio = request.body;
      if (!Buffer.isBuffer(audio) || audio.length === 0) {
        return reply.code(400).send({ error: 'send the audio as the request body (audio/wav)' });
      }
      // Runs as a job: its progress streams to /live/sessions/:id/status while we wait.
      const transcript = await transcription.transcribe(request.params.id, {
        data: new Uint8Array(audio),
        mediaType: request.headers['content-type'] ?? 'audio/wav',
        filename: 'session.wav',
      });
      return { text: transcript.text, provider: transcript.provider, attempts: transcript.attempts };
    },
  );

  app.post<{ Body: { email?: unknown; name?: unknown } | undefined }>('/users', async (request, reply) => {
    const { email: address, name } = request.body ?? {};
    if (typeof address !== 'string' || typeof name !== 'string') {
      return reply.code(400).send({ error: 'email and name are required' });
    }
    const email = productEmails.registrationConfirmation({
      name,
      confirmUrl: `https://coachly.test/confirm?user=${encodeURIComponent(address)}`,
    });
    const receipt = await notifier.send(
      { to: [address], ...email },
      { channels: ['email'], idempotencyKey: `welcome:${address}` },
    );
    return reply.code(201).send({ email: address, notification: receipt.messageId });
  });

  app.get('/boom', () => {
    throw new Error('deliberate failure for the error-path demo');
  });

  // fastifyMetrics' onError hook has already recorded error.type by now.
  app.setErrorHandler((error, _request, reply) => {
    const statusCode = (error as { statusCode?: number }).statusCode;
    if (statusCode !== undefined && statusCode < 500) {
      return reply.code(statusCode).send({ error: error instanceof Error ? error.message : 'bad request' });
    }
    config.logger?.error({ error }, 'request failed');
    return reply.code(500).send({ error: 'internal error' });
  });
  return app;
}
