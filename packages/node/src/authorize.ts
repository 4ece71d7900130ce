import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Runs `authorize` before `serve`: refused → 401 without credentials (so a
 * client knows to send some), 403 with credentials that were not accepted;
 * a throw or rejection → 500, reported through `onError` (never the reason to the client).
 */
export function guardScrape(
  authorize: (request: IncomingMessage) => boolean | Promise<boolean>,
  request: IncomingMessage,
  response: ServerResponse,
  serve: (request: IncomingMessage, response: ServerResponse) => void,
  onError: (error: unknown) => void,
): void {
  const refuse = (): void => {
    const credentials = request.headers.authorization !== undefined;
    response.statusCode = credentials ? 403 : 401;
    if (!credentials) response.setHeader('www-authenticate', 'Bearer realm="metrics"');
    response.setHeader('content-type', 'text/plain; charset=utf-8');
    response.end(credentials ? 'Forbidden\n' : 'Unauthorized\n');
  };
  const decide = (allowed: unknown): void => {
    if (allowed === true) serve(request, response);
    else refuse();
  };
  const fail = (error: unknown): void => {
    onError(error);
    response.statusCode = 500;
    response.end('Internal Server Error\n');
  };
  let verdict: boolean | Promise<boolean>;
  try {
    verdict = authorize(request);
  } catch (error) {
    fail(error);
    return;
  }
  if (typeof verdict === 'boolean') decide(verdict);
  else Promise.resolve(verdict).then(decide, fail);
}
