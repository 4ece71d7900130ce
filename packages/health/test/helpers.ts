import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Ajv } from 'ajv';
import schema from '../schema/health-response.schema.json' with { type: 'json' };

/** Starts a node:http server on 127.0.0.1 and an ephemeral port. */
export async function listen(
  listener: RequestListener,
): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test bodies are asserted field by field
type Body = any;

/** GET returning status, headers and the parsed JSON body (or text). */
export async function get(
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; headers: Headers; body: Body }> {
  const response = await fetch(url, init);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: response.status, headers: response.headers, body };
}

const ajv = new Ajv({ allErrors: true, strict: true });
const validateDocument = ajv.compile(schema);

/** Throws with ajv's errors unless `document` matches the shipped application/health+json schema. */
export function expectValidHealthDocument(document: unknown): void {
  if (!validateDocument(document)) {
    throw new Error(`invalid health document: ${ajv.errorsText(validateDocument.errors)}\n${JSON.stringify(document)}`);
  }
}
