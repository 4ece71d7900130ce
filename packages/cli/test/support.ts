import { once } from 'node:events';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runCli, type CliIo } from '@telltale/cli';

/** Runs the CLI in-process and captures what it writes. */
export async function run(argv: string[], extra: Partial<CliIo> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    ...extra,
  });
  return { code, stdout, stderr };
}

/** A node:http server on 127.0.0.1 and a free port. */
export async function serve(
  listener: RequestListener,
): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createServer(listener);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A loopback URL where nothing listens (a server bound, then closed). */
export async function closedPortUrl(): Promise<string> {
  const { url, close } = await serve(() => undefined);
  await close();
  return url;
}
