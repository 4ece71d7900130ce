// A minimal Server-Sent Events reader over fetch, for the demo and the HTTP suite (Node has
// no EventSource; browsers use `subscribe` from @telltale/live/client instead).

/** One status event as the stream carries it. */
export interface StatusEvent {
  id: number;
  type: string;
  data: unknown;
}

/** Opens `url` as an SSE stream; resolves once it is open (or rejects with the refusal status). */
export async function watchStatus(url: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const response = await fetch(url, {
    headers: { accept: 'text/event-stream', ...headers },
    signal: controller.signal,
  });
  if (response.status !== 200 || !response.body) {
    const body = await response.text();
    throw Object.assign(new Error(`status stream refused: ${response.status} ${body}`), { status: response.status });
  }
  const events: StatusEvent[] = [];
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  // Resolves when the server ends the topic (`event: end`) or the stream closes.
  const ended = (async () => {
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        let at: number;
        while ((at = buffer.indexOf('\n\n')) !== -1) {
          const frame = parseFrame(buffer.slice(0, at));
          buffer = buffer.slice(at + 2);
          if (frame) events.push(frame);
          if (frame?.type === 'end') return;
        }
      }
    } catch {
      // Aborted by close(): nothing more to read.
    }
  })();
  return {
    events,
    ended,
    close() {
      controller.abort();
    },
  };
}

function parseFrame(block: string): StatusEvent | undefined {
  let id = 0;
  let type = 'message';
  let data: string | undefined;
  for (const line of block.split('\n')) {
    if (line.startsWith('id: ')) id = Number(line.slice(4));
    else if (line.startsWith('event: ')) type = line.slice(7);
    else if (line.startsWith('data: ')) data = line.slice(6);
  }
  return data === undefined ? undefined : { id, type, data: JSON.parse(data) as unknown };
}

/** One narration line: `queued → started → openai → fallback to backup-cloud → completed`. */
export function describeStatus(events: readonly StatusEvent[]): string {
  return events
    .map((event) => {
      const progress = (event.data as { progress?: { stage?: string; provider?: string; to?: string } }).progress;
      if (event.type !== 'progressed' || !progress) return event.type;
      return progress.stage === 'fallback' ? `fallback to ${progress.to}` : `${progress.provider}`;
    })
    .join(' → ');
}
