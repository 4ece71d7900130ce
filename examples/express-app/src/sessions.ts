/** The coaching sessions the example serves (in memory: ids 1 to 50). */
export const sessions = new Map(
  Array.from({ length: 50 }, (_, index) => {
    const id = String(index + 1);
    return [id, { id, coach: 'Ana Ruiz', client: `client-${id}@coachly.test`, minutes: 45 }];
  }),
);
