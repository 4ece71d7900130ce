/** A coaching session as the API returns it. */
export interface Session {
  id: string;
  coach: string;
  client: string;
  minutes: number;
}

/** An in-memory catalogue of 50 sessions (ids "1" to "50"). */
export function createSessionStore(): ReadonlyMap<string, Session> {
  return new Map(
    Array.from({ length: 50 }, (_, index): [string, Session] => {
      const id = String(index + 1);
      return [id, { id, coach: 'Ana Ruiz', client: `client-${id}@coachly.test`, minutes: 45 }];
    }),
  );
}
