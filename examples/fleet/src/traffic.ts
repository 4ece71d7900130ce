/**
 * Sends about `perSecond` requests a second to every app for at most
 * `seconds` (or until `signal` aborts), a share of them to /boom (5xx).
 */
export async function drive(
  apps: string[],
  options: { seconds: number; perSecond: number; errorShare: number; signal?: AbortSignal },
) {
  let sent = 0;
  const until = Date.now() + options.seconds * 1_000;
  while (Date.now() < until && !options.signal?.aborted) {
    const round = apps.flatMap((app) =>
      Array.from({ length: Math.max(1, Math.round(options.perSecond / 10)) }, (_, index) => {
        const path = Math.random() < options.errorShare ? '/boom' : `/sessions/${(index % 50) + 1}`;
        sent++;
        return fetch(`${app}${path}`).then((response) => response.arrayBuffer());
      }),
    );
    await Promise.allSettled(round);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return sent;
}
