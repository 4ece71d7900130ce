import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { TelltaleError } from '@telltale/core';
import { expressDashboard } from '@telltale/dashboard/express';
import { expressHealth } from '@telltale/health/express';
import { expressLive } from '@telltale/live/express';
import { serverTiming } from '@telltale/metrics/express';
import { expressAlertmanagerWebhook } from '@telltale/notify/express';
import type { AppConfig, Observability } from './observability.js';
import type { Readings } from './readings.js';
import { productEmails } from './templates/product-emails.js';
import { sessions } from './sessions.js';
import { refuseUpload } from './upload-auth.js';

/**
 * The coaching-session API on Express, instrumented by Telltale: metrics on
 * every route, `/metrics`, `/health/*`, the dashboard at `/_telltale`, a
 * resilient billing call and transcription with fallback.
 */
export function createExpressApp(config: AppConfig, observability: Observability, readings?: Readings): Express {
  const { telemetry, httpMetrics, billing, notifier, transcription, health, dashboard } = observability;
  const app = express();
  app.disable('x-powered-by');
  app.use(httpMetrics);
  // Server-Timing: total, db and cache time of each response, shown in browser dev tools.
  app.use(serverTiming());
  app.get('/metrics', telemetry.metricsHandler);
  app.use(expressHealth(health));
  app.use(expressDashboard(dashboard));
  // Live status streams (SSE and polling; WebSocket upgrades are attached in start.ts).
  app.use(expressLive(transcription.hub));

  const sessionsRouter = express.Router();
  sessionsRouter.get('/:id', (request, response) => {
    const session = sessions.get(request.params.id);
    if (!session) return void response.status(404).json({ error: 'session not found' });
    response.json(session);
  });

  sessionsRouter.post('/:id/charge', async (request, response) => {
    const session = sessions.get(request.params.id);
    if (!session) return void response.status(404).json({ error: 'session not found' });
    try {
      const charge = await billing.execute(async ({ signal }) => {
        const upstream = await fetch(`${config.billingUrl}/charges`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ session: session.id, amountCents: 9000 }),
          signal,
        });
        if (!upstream.ok) throw new Error(`billing answered ${upstream.status}`);
        return (await upstream.json()) as { id: string };
      });
      response.status(201).json({ charged: true, chargeId: charge.id });
    } catch (error) {
      const email = productEmails.paymentFailure({
        name: session.client,
        amount: '€90.00',
        retryUrl: `https://coachly.test/sessions/${session.id}/pay`,
      });
      await notifier.send(
        { to: [session.client], ...email, severity: 'warning' },
        {
          channels: ['email'],
          idempotencyKey: `payment-failed:${session.id}:${new Date().toISOString().slice(0, 13)}`,
        },
      );
      const open = TelltaleError.is(error, 'TELLTALE_CIRCUIT_OPEN');
      response.status(503).json({ charged: false, reason: open ? 'billing circuit open' : 'billing unavailable' });
    }
  });

  sessionsRouter.post(
    '/:id/transcript',
    // Authenticated before express.raw() reads up to 25 MB.
    (request, response, next) => {
      const refused = refuseUpload(request.headers, config.uploadToken);
      if (refused === undefined) return void next();
      response.status(refused.status).set('connection', 'close').json({ error: refused.error });
    },
    express.raw({ type: ['audio/*', 'application/octet-stream'], limit: '25mb' }),
    async (request, response) => {
      if (!sessions.has(request.params.id)) return void response.status(404).json({ error: 'session not found' });
      if (!Buffer.isBuffer(request.body) || request.body.length === 0) {
        return void response.status(400).json({ error: 'send the audio as the request body (audio/wav)' });
      }
      // Runs as a job: its progress streams to /live/sessions/:id/status while we wait.
      const transcript = await transcription.transcribe(request.params.id, {
        data: new Uint8Array(request.body),
        mediaType: request.get('content-type') ?? 'audio/wav',
        filename: 'session.wav',
      });
      response.json({ text: transcript.text, provider: transcript.provider, attempts: transcript.attempts });
    },
  );
  app.use('/sessions', sessionsRouter);
  // A cached Postgres query (Redis in front), when DATABASE_URL and REDIS_URL are set.
  if (readings) app.use('/readings', readings.router);

  app.post('/users', express.json(), async (request, response) => {
    const body = request.body as { email?: unknown; name?: unknown };
    if (typeof body.email !== 'string' || typeof body.name !== 'string') {
      return void response.status(400).json({ error: 'email and name are required' });
    }
    const email = productEmails.registrationConfirmation({
      name: body.name,
      confirmUrl: `https://coachly.test/confirm?user=${encodeURIComponent(body.email)}`,
    });
    const receipt = await notifier.send(
      { to: [body.email], ...email },
      { channels: ['email'], idempotencyKey: `welcome:${body.email}` },
    );
    response.status(201).json({ email: body.email, notification: receipt.messageId });
  });

  // Alertmanager's webhook receiver (the fleet path): schema-checked, bearer-token protected,
  // 503 only when the queue cannot accept (so Alertmanager retries), the same on-call email as
  // the in-process rules send.
  if (observability.alertWebhook) {
    app.post('/alerts/webhook', expressAlertmanagerWebhook(observability.alertWebhook));
  }

  app.get('/boom', () => {
    throw new Error('deliberate failure for the error-path demo');
  });

  app.use(httpMetrics.errorHandler);
  app.use((error: unknown, _request: Request, response: Response, _next: NextFunction) => {
    config.logger?.error({ error }, 'request failed');
    if (!response.headersSent) response.status(500).json({ error: 'internal error' });
  });
  return app;
}
