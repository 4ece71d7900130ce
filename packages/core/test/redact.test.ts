import { describe, expect, it } from 'vitest';
import { redactSecrets } from '@telltale/core';

// Example credentials from vendor docs (or obviously fake), assembled so
// secret scanners do not flag the test file.
const AWS_KEY_ID = ['AKIA', 'IOSFODNN7EXAMPLE'].join('');
const AWS_SECRET = ['wJalrXUtnFEMI', '/K7MDENG/bPxRfiCYEXAMPLEKEY'].join('');
const SENDGRID = ['SG', 'x'.repeat(22), 'y'.repeat(43)].join('.');
const JWT = [
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9',
  'eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0',
  'SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
].join('.');

// [shape, input, expected, secret that must be gone]
const LEAKS: readonly (readonly [string, string, string, string])[] = [
  [
    'URL user-info',
    'connect ECONNREFUSED postgres://app:hunter2@db:5432/x',
    'connect ECONNREFUSED postgres://***@db:5432/x',
    'hunter2',
  ],
  ['URL password with "/"', 'redis://:pa/ss@host:6379 unreachable', 'redis://***@host:6379 unreachable', 'pa/ss'],
  ['URL password with "@"', 'dial postgres://u:p@ss@h/db', 'dial postgres://***@h/db', 'p@ss'],
  [
    'URL token user-info',
    'git https://ghtoken123@github.com/org/repo',
    'git https://***@github.com/org/repo',
    'ghtoken123',
  ],
  ['?refresh_token=', 'POST /oauth?refresh_token=r3fr3sh&grant=1', 'POST /oauth?refresh_token=***&grant=1', 'r3fr3sh'],
  ['?access_token=', 'GET /v1?access_token=acc3ss', 'GET /v1?access_token=***', 'acc3ss'],
  [
    '?api_key=',
    'GET https://api.example.com/v1?api_key=abc123&x=1',
    'GET https://api.example.com/v1?api_key=***&x=1',
    'abc123',
  ],
  ['?key=', 'GET /maps?key=k3y&q=berlin', 'GET /maps?key=***&q=berlin', 'k3y'],
  [
    'X-Amz-Signature / X-Amz-Credential',
    `GET https://b.s3.amazonaws.com/o?X-Amz-Credential=${AWS_KEY_ID}%2F20260101%2Fus-east-1&X-Amz-Signature=5ig5ig&X-Amz-Expires=60`,
    'GET https://b.s3.amazonaws.com/o?X-Amz-Credential=***&X-Amz-Signature=***&X-Amz-Expires=60',
    '5ig5ig',
  ],
  ['X-Amz-Security-Token', 'x?X-Amz-Security-Token=fw0g&a=1', 'x?X-Amz-Security-Token=***&a=1', 'fw0g'],
  ['lowercase bearer', 'sent bearer abcdef123456 upstream', 'sent bearer *** upstream', 'abcdef123456'],
  ['Bearer', 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.abc', 'Authorization: Bearer ***', 'eyJhbGci'],
  ['AWS access key id', `key ${AWS_KEY_ID} denied`, 'key AKIA*** denied', 'IOSFODNN7EXAMPLE'],
  ['aws_secret_access_key=', `aws_secret_access_key=${AWS_SECRET}`, 'aws_secret_access_key=***', 'bPxRfiCY'],
  [
    'AWS_SECRET_ACCESS_KEY env',
    `AWS_SECRET_ACCESS_KEY = ${AWS_SECRET} rest`,
    'AWS_SECRET_ACCESS_KEY = *** rest',
    'bPxRfiCY',
  ],
  [
    'Slack webhook path',
    'POST https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX failed: 404',
    'POST https://hooks.slack.com/services/*** failed: 404',
    'XXXXXXXXXXXXXXXXXXXXXXXX',
  ],
  [
    'Discord webhook path',
    'POST https://discord.com/api/webhooks/123456789012345678/abcDEF-ghi_JKLmno failed',
    'POST https://discord.com/api/webhooks/*** failed',
    'abcDEF-ghi_JKLmno',
  ],
  [
    'Discord (discordapp, versioned) webhook path',
    'https://canary.discordapp.com/api/v10/webhooks/1234/t0k3n',
    'https://canary.discordapp.com/api/v10/webhooks/***',
    't0k3n',
  ],
  ['bare JWT', `token was ${JWT} (expired)`, 'token was *** (expired)', 'SflKxwRJ'],
  [
    'libpq password=',
    "host=db port=5432 user=app password=hunt'er dbname=x",
    'host=db port=5432 user=app password=*** dbname=x',
    'hunt',
  ],
  ['libpq quoted password', "host=db password='a b c' user=app", 'host=db password=*** user=app', 'a b c'],
  [
    'JSON "password"',
    '{"user":"app","password":"hun\\"ter2","db":"x"}',
    '{"user":"app","password":"***","db":"x"}',
    'ter2',
  ],
  ['JSON "client_secret"', '{ "client_secret" : "cl1ent" }', '{ "client_secret" : "***" }', 'cl1ent'],
  ['SendGrid key', `sendgrid rejected ${SENDGRID}`, 'sendgrid rejected SG.***', 'x'.repeat(22)],
  ['x-api-key header', 'headers: x-api-key: k3yv4lue, accept: */*', 'headers: x-api-key: ***, accept: */*', 'k3yv4lue'],
  ['X-Api-Key in JSON', '{"X-Api-Key":"k3yv4lue"}', '{"X-Api-Key":"***"}', 'k3yv4lue'],
  ['Stripe key', 'stripe: sk_live_abcdefghijklmnop invalid', 'stripe: sk_live_*** invalid', 'abcdefghijklmnop'],
  ['GitHub token', 'push with ghp_abcdefghijklmnopqrstuvwxyz0123456789', 'push with ghp_***', 'abcdefghijklmnop'],
  ['Slack bot token', 'slack auth xoxb-1234567890-abcdefghij failed', 'slack auth xoxb-*** failed', 'abcdefghij'],
  [
    'https://hooks.slack.com ?token=',
    'https://hooks.slack.com/x?token=t0k3n#frag',
    'https://hooks.slack.com/x?token=***#frag',
    't0k3n',
  ],
];

const UNCHANGED: readonly string[] = [
  'GET http://localhost:3000/users/1 returned 503',
  'connect ECONNREFUSED 127.0.0.1:5432',
  'http://payments:8080/health/a@b returned 500',
  'https://example.com/users/a@b.com not found',
  'mailto: ops@example.com',
  'GET /users?page=2&sort=name&max_tokens=100',
  'the token expired; the password is incorrect',
  'Bearer abc', // too short to be a token
  'sort_key=name order=asc monkey=1',
  'oauth=1',
  'The AKIA prefix alone is not a key',
  '{"status":"pass","observedValue":3,"observedUnit":"ms"}',
  'SG. is a prefix, SG.short.key too',
  'eyJ on its own and eyJhbG.notapayload.x',
];

describe('redactSecrets', () => {
  it.each(LEAKS)('redacts %s', (_shape, input, expected, secret) => {
    const output = redactSecrets(input);
    expect(output).toBe(expected);
    expect(output).not.toContain(secret);
  });

  it.each(UNCHANGED)('leaves %j alone', (text) => {
    expect(redactSecrets(text)).toBe(text);
  });

  it('is idempotent', () => {
    for (const [, input] of LEAKS) {
      const once = redactSecrets(input);
      expect(redactSecrets(once)).toBe(once);
    }
  });

  // Catastrophic backtracking takes seconds to hours on these; linear patterns take milliseconds.
  it.each([
    ['scheme starts', 'a://'.repeat(25_000)],
    ['user:password without @', `redis://${':x'.repeat(50_000)}`],
    ['JWT-like starts', 'eyJ-'.repeat(25_000)],
    ['name chains', 'a-'.repeat(50_000)],
    ['assignments', 'password='.repeat(11_000)],
    ['JSON members', '"password":"'.repeat(8_000)],
    ['bearer words', 'bearer '.repeat(14_000)],
    ['long word', 'x'.repeat(100_000)],
  ])('runs in linear time on 100 KB of %s', (_name, input) => {
    expect(input.length).toBeGreaterThanOrEqual(96_000);
    const started = performance.now();
    redactSecrets(input);
    redactSecrets(input + input);
    expect(performance.now() - started).toBeLessThan(1500);
  });
});
