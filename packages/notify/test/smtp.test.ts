import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { createNotifier, smtpChannel, type Notifier, type SmtpChannelOptions } from '@telltale/notify';
import { afterEach, describe, expect, it } from 'vitest';

interface Received {
  from: string;
  to: string[];
  raw: string;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

async function startServer(options: Partial<SMTPServerOptions> = {}) {
  const received: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((entry) => entry.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
    ...options,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port: (server.server.address() as AddressInfo).port, received };
}

function notifierFor(port: number, channel: Partial<SmtpChannelOptions> = {}, logs: unknown[] = []): Notifier {
  const capture = (...args: unknown[]) => logs.push(args);
  const notifier = createNotifier({
    channels: {
      email: smtpChannel({ host: '127.0.0.1', port, from: 'App <noreply@example.com>', timeout: '5s', ...channel }),
    },
    retry: { initialDelay: 10, maxDelay: 20, maxAttempts: 3 },
    breaker: false,
    logger: { debug: capture, info: capture, warn: capture, error: capture },
  });
  cleanups.push(() => notifier.close({ timeout: '2s' }));
  return notifier;
}

describe('smtpChannel against smtp-server', () => {
  it('delivers through the pool with a Message-ID derived from the idempotency key', async () => {
    const { port, received } = await startServer();
    const notifier = notifierFor(port);
    const receipt = await notifier.send(
      {
        to: [{ address: 'ana@example.com', name: 'Ana' }],
        subject: 'Payment failed',
        text: 'Please update your card.',
        html: '<p>Please update your card.</p>',
      },
      { idempotencyKey: 'invoice-42.failed', await: 'delivered' },
    );
    expect(receipt.results?.email?.providerMessageId).toBe('<invoice-42.failed@example.com>');
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ from: 'noreply@example.com', to: ['ana@example.com'] });
    expect(received[0]!.raw).toMatch(/^Message-ID: <invoice-42\.failed@example\.com>/m);
    expect(received[0]!.raw).toMatch(/^Subject: Payment failed/m);
    expect(received[0]!.raw).toMatch(/^To: Ana <ana@example\.com>/m);
    expect(received[0]!.raw).toContain('text/html');
  });

  it('retries a 421 and delivers exactly once on the following 250', async () => {
    let rcptCalls = 0;
    const { port, received } = await startServer({
      onRcptTo(_address, _session, callback) {
        rcptCalls++;
        if (rcptCalls === 1) return callback(smtpError(421, 'Service not available, try again later'));
        callback();
      },
    });
    const notifier = notifierFor(port);
    const events: string[] = [];
    notifier.onEvent((event) => events.push(event.type));
    await notifier.send(
      { to: ['bo@example.com'], subject: 'Welcome' },
      { await: 'delivered', idempotencyKey: 'welcome-bo' },
    );
    expect(received).toHaveLength(1);
    expect(rcptCalls).toBe(2);
    expect(events).toEqual(['retry-scheduled', 'delivered']);
    expect(notifier.deadLetters()).toEqual([]);
  });

  it('dead-letters a 550 with the server reason after one attempt', async () => {
    let rcptCalls = 0;
    const { port, received } = await startServer({
      onRcptTo(_address, _session, callback) {
        rcptCalls++;
        callback(smtpError(550, 'No such user here'));
      },
    });
    const notifier = notifierFor(port);
    await expect(
      notifier.send({ to: ['ghost@example.com'], subject: 'Hello' }, { await: 'delivered' }),
    ).rejects.toMatchObject({
      code: 'TELLTALE_NOTIFY_UNDELIVERED',
    });
    expect(rcptCalls).toBe(1);
    expect(received).toHaveLength(0);
    const [dead] = notifier.deadLetters();
    expect(dead?.error).toMatchObject({ classification: 'permanent', status: 550 });
    expect(dead?.error.message).toMatch(/550 No such user here/);
  });

  it('treats a rejected login as permanent and never reveals the password', async () => {
    const { port } = await startServer({
      authOptional: false,
      allowInsecureAuth: true,
      onAuth(_auth, _session, callback) {
        callback(new Error('Invalid username or password'));
      },
    });
    const logs: unknown[] = [];
    const notifier = notifierFor(port, { auth: { user: 'app', pass: 'hunter2-secret' } }, logs);
    await expect(notifier.send({ to: ['a@example.com'], subject: 'x' }, { await: 'delivered' })).rejects.toThrow();
    const [dead] = notifier.deadLetters();
    expect(dead?.error.classification).toBe('permanent');
    expect(dead?.error.status).toBe(535);
    const serialized = JSON.stringify(logs) + JSON.stringify(notifier.deadLetters());
    expect(serialized).not.toContain('hunter2-secret');
    expect(serialized).toContain('535');
  });

  it('retries when the server is unreachable', async () => {
    const { port } = await startServer();
    const unreachable = port === 65535 ? port - 1 : port + 1;
    const notifier = createNotifier({
      channels: {
        email: smtpChannel({ host: '127.0.0.1', port: unreachable, from: 'noreply@example.com', timeout: '1s' }),
      },
      retry: { initialDelay: 5, maxDelay: 5, maxAttempts: 2 },
      breaker: false,
    });
    cleanups.push(() => notifier.close({ timeout: 0 }));
    await expect(notifier.send({ to: ['a@example.com'], subject: 'x' }, { await: 'delivered' })).rejects.toThrow();
    expect(notifier.deadLetters()[0]).toMatchObject({ attempts: 2, error: { classification: 'retryable' } });
  });

  it('validates options', () => {
    expect(() => smtpChannel({ host: '', from: 'a@example.com' })).toThrow(/smtpChannel.host/);
    expect(() => smtpChannel({ host: 'x', from: 'not an address' })).toThrow(/smtpChannel.from/);
    expect(() => smtpChannel({ host: 'x', from: 'a@example.com', port: 70000 })).toThrow(/smtpChannel.port/);
  });
});
