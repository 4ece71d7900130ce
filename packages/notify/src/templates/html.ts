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

const ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  '#39': "'",
  nbsp: ' ',
  apos: "'",
};

/**
 * A plain-text version of an HTML body: block elements and `<br>` become line
 * breaks, list items bullets, links `text (href)`; scripts and styles are dropped.
 *
 * @example
 * ```ts
 * import { textFromHtml } from '@telltale/notify';
 * textFromHtml('<p>Hi <a href="https://example.com">there</a></p>'); // 'Hi there (https://example.com)'
 * ```
 */
export function textFromHtml(markup: string): string {
  return markup
    .replace(/<(script|style|head)\b[\s\S]*?<\/\1>/gi, '')
    .replace(/<a\b[^>]*?href\s*=\s*["']([^"']*)["'][^>]*>([\s\S]*?)<\/a>/gi, (_match, href: string, text: string) => {
      const label = text.replace(/<[^>]+>/g, '').trim();
      return label === '' || label === href ? href : `${label} (${href})`;
    })
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<li\b[^>]*>/gi, '\n- ')
    .replace(/<\/(p|div|h[1-6]|tr|table|ul|ol|blockquote|section)>/gi, '\n\n')
    .replace(/<(p|div|h[1-6]|tr|table|ul|ol|blockquote|section)\b[^>]*>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&(#\d+|#x[0-9a-f]+|\w+);/gi, (entity, name: string) => {
      if (name.startsWith('#x') || name.startsWith('#X')) return String.fromCodePoint(parseInt(name.slice(2), 16));
      if (name.startsWith('#') && name !== '#39') return String.fromCodePoint(Number(name.slice(1)));
      return ENTITIES[name.toLowerCase()] ?? entity;
    })
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n[ \t]+/g, '\n')
    .replace(/[ \t]{2,}/g, ' ')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
