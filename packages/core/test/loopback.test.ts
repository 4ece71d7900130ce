import { describe, expect, it } from 'vitest';
import { hostnameOf, isLoopbackAddress, isLoopbackOrIpHost, isLoopbackRequest } from '@telltale/core';

const request = (remoteAddress: string | undefined, headers: Record<string, string> = {}) => ({
  headers,
  socket: { remoteAddress },
});

describe('loopback checks', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true],
    ['10.0.0.5', false],
    ['::ffff:10.0.0.5', false],
    ['fe80::1', false],
    [undefined, false],
  ])('isLoopbackAddress(%j) is %j', (address, expected) => {
    expect(isLoopbackAddress(address)).toBe(expected);
  });

  it.each([
    ['localhost:3000', 'localhost'],
    ['Ops.Example.COM', 'ops.example.com'],
    ['[::1]:3000', '::1'],
    ['example.com.', 'example.com'],
    ['[::1', undefined],
    ['host:port', undefined],
    ['a b', undefined],
    ['', undefined],
  ])('hostnameOf(%j) is %j', (host, expected) => {
    expect(hostnameOf(host)).toBe(expected);
  });

  it('accepts loopback names and IP literals as hosts, never other names', () => {
    for (const host of ['localhost', 'app.localhost:8080', '127.0.0.1:3000', '[::1]', '10.1.2.3']) {
      expect(isLoopbackOrIpHost(host)).toBe(true);
    }
    for (const host of ['evil.example', 'localhost.evil.example', undefined]) {
      expect(isLoopbackOrIpHost(host)).toBe(false);
    }
  });

  it('trusts only direct local requests, never X-Forwarded-For', () => {
    expect(isLoopbackRequest(request('127.0.0.1', { host: 'localhost:3000' }))).toBe(true);
    expect(isLoopbackRequest(request('::1'))).toBe(true);
    // A remote caller cannot claim to be local.
    expect(isLoopbackRequest(request('203.0.113.9', { 'x-forwarded-for': '127.0.0.1' }))).toBe(false);
    // A proxy on this host makes everyone look local: any proxy header refuses.
    expect(isLoopbackRequest(request('127.0.0.1', { 'x-forwarded-for': '203.0.113.9' }))).toBe(false);
    expect(isLoopbackRequest(request('127.0.0.1', { forwarded: 'for=203.0.113.9' }))).toBe(false);
    // DNS rebinding: a local browser on a foreign name.
    expect(isLoopbackRequest(request('127.0.0.1', { host: 'rebind.evil.example:3000' }))).toBe(false);
    expect(isLoopbackRequest({ headers: {} })).toBe(false);
  });
});
