const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Escapes text for HTML element content and attribute values.
 *
 * @example
 * ```ts
 * import { escapeHtml } from '@telltale/notify';
 * escapeHtml('<b>Tom & Jerry</b>'); // '&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;'
 * ```
 */
export function escapeHtml(value: unknown): string {
  let text: string;
  if (value === undefined || value === null) text = '';
  else if (typeof value === 'string') text = value;
  else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') text = `${value}`;
  else text = JSON.stringify(value) ?? '';
  return text.replace(/[&<>"']/g, (character) => ESCAPES[character]!);
}

/**
 * Already-escaped HTML, as returned by the {@link html} tag (`String(value)` gives the markup).
 *
 * @example
 * ```ts
 * const fragment: SafeHtml = html`<b>${name}</b>`;
 * ```
 */
export interface SafeHtml {
  readonly __html: string;
  toString(): string;
}

function safe(markup: string): SafeHtml {
  return { __html: markup, toString: () => markup };
}

/**
 * Tagged template for HTML bodies: interpolated values are escaped, nested
 * `html` fragments (and arrays of them) are kept as they are.
 *
 * @example
 * ```ts
 * import { html } from '@telltale/notify';
 * const body = html`<p>Hello ${user.name}</p><ul>${items.map((item) => html`<li>${item}</li>`)}</ul>`;
 * String(body);
 * ```
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  const render = (value: unknown): string => {
    if (Array.isArray(value)) return value.map(render).join('');
    if (typeof value === 'object' && value !== null && '__html' in value) return (value as SafeHtml).__html;
    return escapeHtml(value);
  };
  let markup = strings[0]!;
  for (let index = 0; index < values.length; index++) markup += render(values[index]) + strings[index + 1]!;
  return safe(markup);
}

export { textFromHtml } from './text-from-html.js';
