import { listenLocal, readBody } from '../sinks/http-server.js';

/**
 * A local stand-in for a cloud speech-to-text API speaking OpenAI's
 * `/v1/audio/transcriptions` wire format (verbose_json). When `failing`, it
 * answers 503 like an outage, so the fallback chain moves to the next provider.
 */
export async function startCloudStt(transcript = 'the session went well and the client agreed to a follow up') {
  let failing = false;
  let requests = 0;
  const server = await listenLocal((request, response) => {
    void readBody(request).then(() => {
      requests++;
      if (request.url !== '/v1/audio/transcriptions' || request.method !== 'POST') {
        response.writeHead(404, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: { message: 'Not found', type: 'invalid_request_error' } }));
        return;
      }
      if (failing) {
        response.writeHead(503, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: { message: 'The server is overloaded', type: 'server_error' } }));
        return;
      }
      const words = transcript.split(' ').map((word, index) => ({ word, start: index * 0.4, end: index * 0.4 + 0.35 }));
      const duration = words.length * 0.4;
      response.writeHead(200, { 'content-type': 'application/json', 'x-request-id': `req_${requests}` });
      response.end(
        JSON.stringify({
          task: 'transcribe',
          language: 'english',
          duration,
          text: transcript,
          words,
          segments: [{ id: 0, seek: 0, start: 0, end: duration, text: transcript, avg_logprob: -0.2 }],
        }),
      );
    });
  });
  return {
    url: server.url,
    setFailing(next: boolean) {
      failing = next;
    },
    get requests() {
      return requests;
    },
    close: server.close,
  };
}
