// Browser client of @telltale/live: no dependencies and no DOM typings
// needed (the globals it uses are described structurally in client-types.ts), so it also
// runs in Node, Deno or a worker with injected implementations.

import type { ClientEvent, ClientTransport, FetchLike, SubscribeOptions, Subscription } from './client-types.js';
export type { ClientEvent, ClientTransport, SubscribeOptions, Subscription } from './client-types.js';

const FATAL = new Set([400, 401, 403, 404]);

/**
 * Subscribes to a live topic: tries EventSource, then WebSocket, then
 * polling; reconnects with jittered exponential backoff, resumes from the
 * last id, and stops on the topic's `end` event.
 *
 * @example
 * ```ts
 * import { subscribe } from '@telltale/live/client';
 * const subscription = subscribe('/live/sessions/abc/status', (event) => {
 *   if (event.type === 'progress') console.log(event.data);
 * }, { types: ['progress'] });
 * // later: subscription.close();
 * ```
 */
export function subscribe(
  url: string,
  onEvent: (event: ClientEvent) => void,
  options: SubscribeOptions = {},
): Subscription {
  const globals = globalThis as unknown as Record<string, unknown>;
  const transports = (options.transports ?? ['sse', 'websocket', 'polling']).filter((transport) =>
    available(transport),
  );
  const initialDelay = options.initialDelay ?? 500;
  const maxDelay = options.maxDelay ?? 30_000;
  const base = typeof globals.location === 'object' ? String((globals.location as { href: string }).href) : undefined;
  const absolute = new URL(url, base);
  let lastEventId = options.lastEventId;
  let current: ClientTransport | undefined;
  let stop: (() => void) | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  let failures = 0;
  let index = 0;

  function available(transport: ClientTransport): boolean {
    if (transport === 'sse') return Boolean(options.EventSource ?? globals.EventSource);
    if (transport === 'websocket') return Boolean(options.WebSocket ?? globals.WebSocket);
    return Boolean(options.fetch ?? globals.fetch);
  }
  const status = (state: 'connecting' | 'open' | 'waiting' | 'ended' | 'closed'): void =>
    options.onStatus?.({ state, ...(current ? { transport: current } : {}) });

  const receive = (event: ClientEvent): void => {
    if (event.type === 'end') return finish('ended');
    if (lastEventId !== undefined && event.id <= lastEventId) return;
    lastEventId = event.id;
    onEvent(event);
  };
  const finish = (state: 'ended' | 'closed'): void => {
    if (closed) return;
    closed = true;
    if (timer !== undefined) clearTimeout(timer);
    stop?.();
    status(state);
  };
  const opened = (): void => {
    failures = 0;
    status('open');
  };
  // A transport that opened and dropped is retried; one that never opened gives way to the next.
  const dropped = (wasOpen: boolean, retryAfterSeconds?: number): void => {
    stop?.();
    stop = undefined;
    if (closed) return;
    if (!wasOpen) index = (index + 1) % transports.length;
    const roundDone = !wasOpen && index === 0;
    if (wasOpen || roundDone) failures++;
    const ceiling = Math.min(maxDelay, initialDelay * 2 ** Math.max(0, failures - 1));
    const delay =
      retryAfterSeconds !== undefined ? retryAfterSeconds * 1000 : wasOpen || roundDone ? Math.random() * ceiling : 0;
    status('waiting');
    timer = setTimeout(connect, delay);
  };

  const withId = (target: URL, name: string): string => {
    const copy = new URL(target.href);
    if (lastEventId !== undefined) copy.searchParams.set(name, String(lastEventId));
    return copy.href;
  };

  const connectSse = (): void => {
    const Source = options.EventSource ?? (globals.EventSource as NonNullable<SubscribeOptions['EventSource']>);
    const source = new Source(withId(absolute, 'lastEventId'), { withCredentials: options.withCredentials ?? false });
    let open = false;
    stop = () => source.close();
    source.onopen = () => {
      open = true;
      opened();
    };
    source.onerror = () => dropped(open);
    const listener = (event: { type: string; data: string; lastEventId: string }): void => {
      receive({ id: Number(event.lastEventId), type: event.type, data: JSON.parse(event.data) as unknown });
    };
    for (const type of new Set(['message', ...(options.types ?? [])])) source.addEventListener(type, listener);
    source.addEventListener('end', () => finish('ended'));
  };

  const connectWebSocket = (): void => {
    const Socket = options.WebSocket ?? (globals.WebSocket as NonNullable<SubscribeOptions['WebSocket']>);
    const target = new URL(absolute.href);
    target.protocol = target.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new Socket(withId(target, 'lastEventId'));
    let open = false;
    stop = () => {
      socket.onclose = null;
      socket.close();
    };
    socket.onopen = () => {
      open = true;
      opened();
    };
    socket.onclose = () => dropped(open);
    // A close always follows an error; some implementations throw on an unhandled one.
    socket.onerror = () => {};
    socket.onmessage = (message) => {
      if (typeof message.data === 'string') receive(JSON.parse(message.data) as ClientEvent);
    };
  };

  const connectPolling = (): void => {
    const request = options.fetch ?? (globals.fetch as FetchLike);
    const controller = new AbortController();
    let etag: string | undefined;
    let open = false;
    stop = () => controller.abort();
    const poll = async (): Promise<void> => {
      for (;;) {
        const target = new URL(withId(absolute, 'after'));
        // The first request answers at once (catch up, and we know the server is there); later ones wait.
        if (open) target.searchParams.set('wait', String(options.pollWait ?? 25));
        const headers: Record<string, string> = {
          accept: 'application/json',
          ...(etag ? { 'if-none-match': etag } : {}),
        };
        const credentials = options.withCredentials ? 'include' : 'same-origin';
        const response = await request(target.href, { headers, credentials, signal: controller.signal });
        if (response.status === 304) continue;
        if (response.status !== 200) {
          const body = await response.json().catch(() => undefined);
          if (FATAL.has(response.status)) {
            options.onError?.({ status: response.status, body });
            return finish('closed');
          }
          const retryAfter = Number(response.headers.get('retry-after'));
          return dropped(open, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined);
        }
        if (!open) {
          open = true;
          opened();
        }
        etag = response.headers.get('etag') ?? undefined;
        const body = (await response.json()) as { events: ClientEvent[] };
        for (const event of body.events) if (!closed) receive(event);
        if (closed) return;
      }
    };
    poll().catch(() => {
      if (!controller.signal.aborted) dropped(open);
    });
  };

  function connect(): void {
    timer = undefined;
    if (closed) return;
    current = transports[index];
    if (!current) return finish('closed');
    status('connecting');
    if (current === 'sse') connectSse();
    else if (current === 'websocket') connectWebSocket();
    else connectPolling();
  }

  connect();
  return {
    close: () => {
      finish('closed');
      return Promise.resolve();
    },
    get lastEventId() {
      return lastEventId;
    },
    get transport() {
      return closed ? undefined : current;
    },
  };
}
