import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCrashRound, startCrashSink, type CrashRound, type CrashSink } from './fixtures/crash-run.js';

// The issue asks for 20 rounds; the suite runs fewer of each variant to stay fast,
// `pnpm bench notify-store` runs 20 of both (or set NOTIFY_CRASH_ROUNDS).
const ROUNDS = Number(process.env.NOTIFY_CRASH_ROUNDS ?? 2);
const MESSAGES = 1000;
/** SMTP connections in the child: the lane's delivery concurrency. */
const CONNECTIONS = 5;

async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Checks that hold in both variants: nothing acknowledged is lost, nothing unsent appears, ids are stable. */
function expectCommonGuarantees(round: CrashRound, label: string): void {
  expect(round.lost, `${label}: acknowledged but never delivered`).toEqual([]);
  expect(
    round.mails.filter((mail) => !round.events.send.has(mail.key)),
    `${label}: received but never sent`,
  ).toEqual([]);
  // The SMTP Message-ID is derived from the idempotency key (the key itself, a valid dot-atom)...
  expect(
    round.mails.filter((mail) => mail.messageId !== `<${mail.key}@example.com>`),
    `${label}: Message-ID not derived from the key`,
  ).toEqual([]);
  // ...so every copy of a duplicate carries the same one, and the same delivery id.
  for (const key of round.duplicates.keys()) {
    const copies = round.mails.filter((mail) => mail.key === key);
    expect(new Set(copies.map((mail) => mail.messageId)).size, `${label}: ${key}`).toBe(1);
    expect(new Set(copies.map((mail) => mail.deliveryId)).size, `${label}: ${key}`).toBe(1);
  }
  expect(round.recovery.lockTakenOver).toBeDefined();
}

describe('fileStore crash safety (SIGKILL at a random point)', () => {
  let sink: CrashSink;
  let port: number;
  const directories: string[] = [];
  const freshDirectory = async () => {
    const directory = await mkdtemp(join(tmpdir(), 'telltale-crash-'));
    directories.push(directory);
    return directory;
  };
  beforeAll(async () => {
    sink = await startCrashSink();
    port = await deadPort();
  });
  afterAll(async () => {
    await sink.close();
    for (const directory of directories) await rm(directory, { recursive: true, force: true });
  });

  it(`dead SMTP server: loses no acknowledged message over ${ROUNDS} rounds`, { timeout: 120_000 }, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      // Random kill points, always including a very early one.
      const killAfter = round === 0 ? 1 : 1 + Math.floor(Math.random() * MESSAGES);
      const result = await runCrashRound({
        directory: await freshDirectory(),
        mode: 'dead',
        killAfter,
        sink,
        deadPort: port,
        messages: MESSAGES,
        connections: CONNECTIONS,
      });
      const label = `dead round ${round} (killed after ${killAfter} accepted)`;
      expectCommonGuarantees(result, label);
      // Nothing reached the dead port, so each queued message arrives exactly once.
      expect(result.duplicates.size, label).toBe(0);
      expect(result.receivedBeforeRestart, label).toBe(0);
      expect(result.recovery.records, label).toBe(result.mails.length);
      expect(result.mails.length, label).toBeGreaterThanOrEqual(result.events.accepted.size);
    }
  });

  it(
    `live SMTP server: duplicates only for deliveries in flight at the kill, over ${ROUNDS} rounds`,
    { timeout: 120_000 },
    async () => {
      for (let round = 0; round < ROUNDS; round++) {
        // Kill while deliveries are going on, after a random number of them completed; the first
        // round early, while the child is still enqueueing too.
        const killAfter = 1 + Math.floor(Math.random() * (round === 0 ? 20 : MESSAGES - 1));
        const result = await runCrashRound({
          directory: await freshDirectory(),
          mode: 'live',
          killAfter,
          sink,
          deadPort: port,
          messages: MESSAGES,
          connections: CONNECTIONS,
        });
        const label = `live round ${round} (killed after ${killAfter} delivered)`;
        expectCommonGuarantees(result, label);
        const { events, inFlightAtKill, inTransmissionAtKill, duplicates } = result;
        expect(events.delivered.size, label).toBeGreaterThanOrEqual(killAfter);
        // A duplicate is a delivery the first process started but had not acknowledged in the
        // journal (`remove` written) when it died: the sink got it, the journal still held it.
        expect(
          [...duplicates.keys()].filter((key) => !inFlightAtKill.has(key)),
          `${label}: duplicated although acknowledged or never started`,
        ).toEqual([]);
        expect(
          [...duplicates.values()].every((count) => count === 2),
          label,
        ).toBe(true);
        // The bound: a lane holds its delivery slot until the acknowledgement is written, so what
        // is in flight (sent or being sent, not yet acknowledged) is at most its concurrency.
        const unwrittenAcks = [...events.delivered].filter((key) => !events.acked.has(key)).length;
        expect(inTransmissionAtKill.size, label).toBeLessThanOrEqual(CONNECTIONS);
        expect(inFlightAtKill.size, label).toBeLessThanOrEqual(CONNECTIONS);
        expect(duplicates.size, label).toBeLessThanOrEqual(inTransmissionAtKill.size + unwrittenAcks);
        expect(duplicates.size, label).toBeLessThanOrEqual(CONNECTIONS);
      }
    },
  );
});
