import { describe, expect, it } from 'vitest';
import { formatHealthReport, healthAnswerStatus, parseHealthDocument } from '@telltale/health';

describe('reading health documents from other producers', () => {
  it('normalises status aliases and rejects what is not a health document', () => {
    expect(parseHealthDocument('{"status":"UP","version":"1"}')).toEqual({ status: 'pass', version: '1' });
    expect(parseHealthDocument('{"status":"down"}')?.status).toBe('fail');
    expect(parseHealthDocument('{"status":"maybe"}')).toBeUndefined();
    expect(parseHealthDocument('[{"status":"pass"}]')).toBeUndefined();
    expect(parseHealthDocument('<html>')).toBeUndefined();
  });

  it('takes the worse of the HTTP status and the document', () => {
    expect(healthAnswerStatus(503, { status: 'pass' })).toBe('fail');
    expect(healthAnswerStatus(200, { status: 'warn' })).toBe('warn');
    expect(healthAnswerStatus(200, undefined)).toBe('pass');
    expect(healthAnswerStatus(302, undefined)).toBe('fail');
  });

  it('formats one line per check entry', () => {
    const document = parseHealthDocument(
      JSON.stringify({
        status: 'warn',
        output: 'slow database',
        checks: {
          'db:responseTime': [{ status: 'warn', observedValue: 250, observedUnit: 'ms', output: 'over 200 ms' }],
          'cache:connections': [{ status: 'pass', observedValue: { open: 2 } }],
        },
      }),
    );
    expect(formatHealthReport({ url: 'http://127.0.0.1/health', httpStatus: 200, elapsedMs: 3, document })).toBe(
      [
        'WARN  http://127.0.0.1/health  (HTTP 200 in 3 ms)',
        '      slow database',
        `  warn  ${'db:responseTime'.padEnd(32)} 250 ms  over 200 ms`,
        `  pass  ${'cache:connections'.padEnd(32)} {"open":2}`,
        '',
      ].join('\n'),
    );
    expect(formatHealthReport({ url: 'u', httpStatus: 404, elapsedMs: 1, document: undefined })).toBe(
      'FAIL  u  (HTTP 404 in 1 ms)\n      not an application/health+json document\n',
    );
  });
});
