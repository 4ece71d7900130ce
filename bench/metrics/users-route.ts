// The node:http variants' route, shared by the in-process and socket apps.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Answers `GET /users/:id` with `{"id":…}`, as the framework variants do. */
export function usersHandler(request: IncomingMessage, response: ServerResponse): void {
  response.setHeader('content-type', 'application/json');
  response.end(JSON.stringify({ id: request.url!.slice(7) }));
}

/** The route template of a request to {@link usersHandler}. */
export const usersRoute = (request: IncomingMessage): string | undefined =>
  request.url!.startsWith('/users/') ? '/users/:id' : undefined;
