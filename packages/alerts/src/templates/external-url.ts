import { TelltaleConfigError } from '@telltale/core';

/**
 * Validates the engine's `externalURL` option: empty, or an absolute http(s)
 * URL. A trailing `/` is dropped, as Prometheus does for `--web.external-url`,
 * so `{{ externalURL }}/graph` and `generatorURL` never get a double slash.
 */
export function externalUrlOption(value: unknown): string {
  if (value === undefined || value === '') return '';
  let parsed: URL | undefined;
  try {
    parsed = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw new TelltaleConfigError({
      option: 'externalURL',
      // A URL may carry credentials (`https://user:secret@host`); keep them out of the message.
      value: typeof value === 'string' ? value.replace(/\/\/[^/@]*@/, '//***@') : value,
      expected: 'an absolute http(s) URL such as "https://alerts.example.com/prefix"',
    });
  }
  return (value as string).replace(/\/+$/, '');
}
