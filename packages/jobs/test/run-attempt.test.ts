import { createJobs, JOBS_ERROR_CODES } from '@telltale/jobs';
import { describe, expect, it } from 'vitest';

/** Values a careless handler may throw whose String() form throws. */
const HOSTILE: readonly [string, () => unknown, string][] = [
  ['a null-prototype object', () => Object.create(null) as unknown, '{}'],
  [
    'an object whose message getter throws',
    () =>
      Object.defineProperty({}, 'message', {
        get() {
          throw new Error('getter exploded');
        },
      }),
    '{}',
  ],
  [
    'a null-prototype object with a message',
    () => Object.assign(Object.create(null) as object, { message: 'token=abc123 leaked' }),
    'token=*** leaked',
  ],
];

describe('a handler that throws a value String() cannot print', () => {
  it.each(HOSTILE)('dead-letters the job cleanly when it throws %s', async (_label, thrown, message) => {
    const jobs = createJobs({
      types: {
        hostile: {
          maxAttempts: 1,
          handler: () => {
            throw thrown();
          },
        },
      },
    });
    const { id, done } = await jobs.submit('hostile', {});
    await expect(done).rejects.toMatchObject({ code: JOBS_ERROR_CODES.deadLettered });
    expect(await jobs.get(id)).toMatchObject({ status: 'dead', attempts: 1, error: { name: 'Error', message } });
    expect(await jobs.deadLetters()).toMatchObject([{ id, status: 'dead' }]);
    await jobs.close();
  });
});
