import { listenLocal, readBody } from '../sinks/http-server.js';

/** How the fake billing upstream behaves right now. */
export type BillingMode = 'healthy' | 'failing' | 'hanging';

/**
 * A local stand-in for a payment provider: `POST /charges` answers 201 when
 * healthy, 503 with `Retry-After` when failing, and never answers when hanging.
 * It counts every attempt so the demo can show what the breaker saves.
 */
export async function startBillingUpstream() {
  let mode: BillingMode = 'healthy';
  let attempts = 0;
  const server = await listenLocal((request, response) => {
    void readBody(request).then(() => {
      attempts++;
      if (mode === 'hanging') return;
      if (mode === 'failing') {
        response.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
        response.end(JSON.stringify({ error: 'billing unavailable' }));
        return;
      }
      response.writeHead(201, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ id: `ch_${attempts}`, status: 'succeeded' }));
    });
  });
  return {
    url: server.url,
    setMode(next: BillingMode) {
      mode = next;
    },
    get mode() {
      return mode;
    },
    get attempts() {
      return attempts;
    },
    close: server.close,
  };
}
