import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPortUrl, run, serve } from './support.js';

describe('telltale health', () => {
  let server: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    server = await serve((request, response) => {
      const path = request.url ?? '/';
      const send = (status: number, body: unknown, type = 'application/health+json') => {
        response.writeHead(status, { 'content-type': type });
        response.end(typeof body === 'string' ? body : JSON.stringify(body));
      };
      if (path === '/pass') {
        return send(200, {
          status: 'pass',
          checks: { 'memory:utilization': [{ status: 'pass', observedValue: 0.42, observedUnit: 'ratio' }] },
        });
      }
      if (path === '/warn') return send(200, { status: 'warn', output: 'billing breaker open' });
      if (path === '/fail') return send(503, { status: 'fail', output: 'database down' });
      if (path === '/lying') return send(503, { status: 'pass' });
      if (path === '/legacy') return send(200, { status: 'UP' }, 'application/json');
      if (path === '/plain') return send(200, 'OK', 'text/plain');
      if (path === '/auth') {
        const expected = `Basic ${Buffer.from('ops:s3cret').toString('base64')}`;
        return request.headers.authorization === expected
          ? send(200, { status: 'pass' })
          : send(401, 'no', 'text/plain');
      }
      if (path === '/hang') return; // never answers
      send(404, 'not found', 'text/plain');
    });
  });
  afterAll(() => server.close());

  it('exits 0 on pass and prints each check', async () => {
    const result = await run(['health', `${server.url}/pass`]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^PASS {2}http:\/\/127\.0\.0\.1:\d+\/pass {2}\(HTTP 200 in \d+ ms\)/);
    expect(result.stdout).toMatch(/pass\s+memory:utilization\s+0\.42 ratio/);
  });

  it('exits 1 on warn and 2 on fail', async () => {
    const warn = await run(['health', `${server.url}/warn`]);
    expect(warn.code).toBe(1);
    expect(warn.stdout).toContain('billing breaker open');
    const fail = await run(['health', `${server.url}/fail`]);
    expect(fail.code).toBe(2);
    expect(fail.stdout).toMatch(/^FAIL/);
  });

  it('trusts the worse of the HTTP status and the document', async () => {
    expect((await run(['health', `${server.url}/lying`])).code).toBe(2);
  });

  it('reads legacy "UP" documents, and only --strict rejects a non-document 2xx', async () => {
    expect((await run(['health', `${server.url}/legacy`])).code).toBe(0);
    const lenient = await run(['health', `${server.url}/plain`]);
    expect(lenient.code).toBe(0);
    expect(lenient.stdout).toContain('not an application/health+json document');
    expect((await run(['health', `${server.url}/plain`, '--strict'])).code).toBe(1);
  });

  it('prints JSON with --json', async () => {
    const result = await run(['health', `${server.url}/warn`, '--json']);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({
      httpStatus: 200,
      status: 'warn',
      document: { status: 'warn', output: 'billing breaker open' },
    });
  });

  it('exits 2 when unreachable or too slow, naming the reason', async () => {
    const refused = await run(['health', await closedPortUrl()]);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toContain('ECONNREFUSED');
    const slow = await run(['health', `${server.url}/hang`, '--timeout', '150ms', '--json']);
    expect(slow.code).toBe(2);
    expect(JSON.parse(slow.stdout)).toMatchObject({ status: 'fail', output: 'no answer within 150ms' });
  });

  it('sends URL credentials as Basic auth and never prints the password', async () => {
    const url = server.url.replace('http://', 'http://ops:s3cret@');
    const result = await run(['health', `${url}/auth`]);
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('s3cret');
  });

  it('exits 64 on bad usage', async () => {
    expect((await run(['health'])).code).toBe(64);
    expect((await run(['health', 'not a url'])).code).toBe(64);
    expect((await run(['health', `${server.url}/pass`, '--timeout', 'soon'])).code).toBe(64);
    const unknown = await run(['health', `${server.url}/pass`, '--verbose']);
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toContain('Usage: telltale health');
  });
});
