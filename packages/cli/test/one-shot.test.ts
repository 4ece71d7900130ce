import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOneShot } from '../../../test-support/one-shot.js';
import { serve } from './support.js';

// The CLI's awaited waits (the --interval pause between scrapes, the --timeout of a request)
// in a bare process, as the `telltale` executable runs them: the exit code must be the
// documented one, never 13 (an unsettled top-level await with nothing left to run).
const cli = (args: readonly string[]) => `
import { runCli } from '@telltale/cli';
process.exitCode = await runCli(${JSON.stringify(args)});
`;

/** One route's request-duration histogram, as the OTel Prometheus exporter writes it. */
const exposition = (count: number) => {
  const labels = 'http_request_method="GET",http_route="/orders",http_response_status_code="200"';
  return [
    '# TYPE http_server_request_duration_seconds histogram',
    `http_server_request_duration_seconds_bucket{${labels},le="0.1"} ${count}`,
    `http_server_request_duration_seconds_bucket{${labels},le="+Inf"} ${count}`,
    `http_server_request_duration_seconds_sum{${labels}} ${count * 0.05}`,
    `http_server_request_duration_seconds_count{${labels}} ${count}`,
    '',
  ].join('\n');
};

describe('telltale in a one-shot process', () => {
  let server: Awaited<ReturnType<typeof serve>>;
  let scrapes = 0;
  beforeAll(async () => {
    server = await serve((request, response) => {
      if (request.url === '/hang') return; // never answers
      scrapes++;
      response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(exposition(scrapes * 10));
    });
  });
  afterAll(() => server.close());

  it('report --interval waits between its two scrapes and exits 0', async () => {
    const before = scrapes;
    const result = await runOneShot(cli(['report', `${server.url}/metrics`, '--interval', '200ms', '--json']), {
      package: 'cli',
      timeoutMs: 10_000,
    });
    expect(result).toMatchObject({ code: 0, timedOut: false, stderr: '' });
    expect(JSON.parse(result.stdout)).toMatchObject({
      intervalSeconds: expect.any(Number),
      routes: [expect.objectContaining({ route: '/orders', requests: 10 })],
    });
    expect(scrapes - before).toBe(2);
  });

  it('health --timeout gives up on a target that never answers and exits 2', async () => {
    const result = await runOneShot(cli(['health', `${server.url}/hang`, '--timeout', '200ms']), {
      package: 'cli',
      timeoutMs: 10_000,
    });
    expect(result).toMatchObject({ code: 2, timedOut: false });
    expect(result.stdout + result.stderr).toContain('no answer within 200ms');
  });
});
