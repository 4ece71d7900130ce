import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createNotifier,
  createTemplateRegistry,
  defineTemplate,
  escapeHtml,
  html,
  memoryChannel,
  NotifyTemplateError,
  textFromHtml,
} from '@telltale/notify';
import { TelltaleConfigError } from '@telltale/core';
import { afterEach, describe, expect, it } from 'vitest';
import { DELIVERY_PATHS } from './support/shared-memory-queue.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function templateDirectory(files: Record<string, string>): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'telltale-templates-'));
  cleanups.push(() => rm(directory, { recursive: true, force: true }));
  for (const [name, content] of Object.entries(files)) await writeFile(join(directory, name), content);
  return directory;
}

const welcome = defineTemplate<{ name: string; items: string[] }>({
  variables: ['name', 'items'],
  subject: ({ name }) => `Welcome, ${name}`,
  html: ({ name, items }) =>
    html`<h1>Hello ${name}</h1>
      <ul>
        ${items.map((item) => html`<li>${item}</li>`)}
      </ul>`,
});

describe('templates', () => {
  it('escapes interpolated values in typed HTML templates and derives the text version', () => {
    const registry = createTemplateRegistry({ templates: { welcome } });
    const rendered = registry.preview('welcome', { name: '<script>x</script>', items: ['a & b', 'c'] });
    expect(rendered.subject).toBe('Welcome, <script>x</script>');
    // (Prettier formats html`` literals, hence the whitespace normalisation.)
    expect(rendered.html!.replace(/>\s+</g, '><')).toBe(
      '<h1>Hello &lt;script&gt;x&lt;/script&gt;</h1><ul><li>a &amp; b</li><li>c</li></ul>',
    );
    expect(rendered.text).toBe('Hello <script>x</script>\n\n- a & b\n- c');
    expect(escapeHtml(`"'`)).toBe('&quot;&#39;');
    expect(textFromHtml('<p>Reset <a href="https://example.com/r?a=1&amp;b=2">here</a></p><style>p{}</style>')).toBe(
      'Reset here (https://example.com/r?a=1&b=2)',
    );
  });

  it('loads file templates, checks their variables and escapes HTML values', async () => {
    const directory = await templateDirectory({
      'reset.subject.txt': 'Reset your password, {{ user.name }}\n',
      'reset.html': '<p>Hi {{ user.name }}, <a href="{{ link }}">reset</a></p>',
      'plain.subject.txt': 'Plain {{ n }}',
      'plain.text.txt': 'Number {{ n }}',
      'ignored.md': 'not a template',
    });
    const registry = createTemplateRegistry({ directory });
    expect(registry.names()).toEqual(['plain', 'reset']);
    expect(registry.variables('reset').sort()).toEqual(['link', 'user.name']);
    const rendered = registry.render('reset', { user: { name: 'Ana <3' }, link: 'https://example.com/r?t=1&u=2' });
    expect(rendered).toEqual({
      subject: 'Reset your password, Ana <3',
      html: '<p>Hi Ana &lt;3, <a href="https://example.com/r?t=1&amp;u=2">reset</a></p>',
      text: 'Hi Ana <3, reset (https://example.com/r?t=1&u=2)',
    });
    expect(registry.render('plain', { n: 0 })).toEqual({ subject: 'Plain 0', text: 'Number 0' });
    expect(() => registry.render('reset', { link: 'x' })).toThrow(
      expect.objectContaining({ reason: 'missing-variable', variable: 'user.name' }) as Error,
    );
    const broken = await templateDirectory({ 'lonely.html': '<p>no subject</p>' });
    expect(() => createTemplateRegistry({ directory: broken })).toThrow(TelltaleConfigError);
  });

  it.each(DELIVERY_PATHS)(
    'renders at send; unknown templates and missing variables are typed errors and queue nothing ($name)',
    async (path) => {
      const inbox = memoryChannel({ addressesPeople: true });
      const notifier = createNotifier({
        channels: { inbox },
        templates: createTemplateRegistry({ templates: { welcome } }),
        ...path.options(),
      });
      cleanups.push(() => notifier.close({ timeout: '1s' }));
      await notifier.send(
        { to: ['ana@example.com'], template: 'welcome', vars: { name: 'Ana', items: ['x'] } },
        { await: 'delivered' },
      );
      expect(inbox.delivered[0]!.message).toMatchObject({ subject: 'Welcome, Ana', text: 'Hello Ana\n\n- x' });
      await notifier.send(
        { to: ['ana@example.com'], template: 'welcome', vars: { name: 'Bo', items: [] }, subject: 'Custom' },
        { await: 'delivered' },
      );
      expect(inbox.delivered[1]!.message.subject).toBe('Custom');
      await expect(notifier.send({ to: ['ana@example.com'], template: 'nope' })).rejects.toBeInstanceOf(
        NotifyTemplateError,
      );
      await expect(
        notifier.send({ to: ['ana@example.com'], template: 'welcome', vars: { name: 'Ana' } }),
      ).rejects.toMatchObject({ code: 'TELLTALE_NOTIFY_TEMPLATE', reason: 'missing-variable', variable: 'items' });
      expect(notifier.preview('welcome', { name: 'P', items: [] }).subject).toBe('Welcome, P');
      expect(notifier.stats().inbox!.pending).toBe(0);
      expect(inbox.attempts).toHaveLength(2);
    },
  );

  it('fails at send without a registry', async () => {
    const notifier = createNotifier({ channels: { inbox: memoryChannel() } });
    cleanups.push(() => notifier.close());
    await expect(notifier.send({ template: 'welcome' })).rejects.toMatchObject({ reason: 'unknown-template' });
    expect(() => createNotifier({ channels: { inbox: memoryChannel() }, templates: {} as never })).toThrow(
      TelltaleConfigError,
    );
  });
});
