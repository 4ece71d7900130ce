import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { options as check, TelltaleConfigError, TelltaleError } from '@telltale/core';
import { escapeHtml, textFromHtml, type SafeHtml } from './html.js';

/**
 * Why a template could not be rendered.
 *
 * @example
 * ```ts
 * if (NotifyTemplateError.is(error) && error.reason === 'missing-variable') console.warn(error.variable);
 * ```
 */
export type TemplateErrorReason = 'unknown-template' | 'missing-variable' | 'render-failed';

/**
 * A template could not be rendered (`TELLTALE_NOTIFY_TEMPLATE`); thrown by
 * `send` and `preview`, nothing was queued.
 *
 * @example
 * ```ts
 * import { NotifyTemplateError } from '@telltale/notify';
 * try { await notifier.send({ template: 'welcome', vars: {} }); } catch (error) {
 *   if (NotifyTemplateError.is(error)) console.warn(error.template, error.reason, error.variable);
 * }
 * ```
 */
export class NotifyTemplateError extends TelltaleError {
  readonly template: string;
  readonly reason: TemplateErrorReason;
  /** The missing variable, for `missing-variable`. */
  readonly variable: string | undefined;

  constructor(template: string, reason: TemplateErrorReason, message: string, variable?: string, cause?: unknown) {
    super('TELLTALE_NOTIFY_TEMPLATE', `Template "${template}": ${message}`, {
      cause,
      details: { template, reason, ...(variable === undefined ? {} : { variable }) },
    });
    this.name = 'NotifyTemplateError';
    this.template = template;
    this.reason = reason;
    this.variable = variable;
  }

  /**
   * True when `error` is a template error from any copy of `@telltale/notify`.
   *
   * @example
   * ```ts
   * if (NotifyTemplateError.is(error)) console.warn(error.template, error.reason);
   * ```
   */
  static override is(error: unknown): error is NotifyTemplateError {
    return TelltaleError.is(error, 'TELLTALE_NOTIFY_TEMPLATE') && 'reason' in error;
  }
}

/**
 * A typed template: functions of its variables. `variables` lists the
 * required ones, checked before rendering.
 *
 * @example
 * ```ts
 * import { defineTemplate, html } from '@telltale/notify';
 * const welcome = defineTemplate<{ name: string }>({
 *   variables: ['name'],
 *   subject: ({ name }) => `Welcome, ${name}`,
 *   html: ({ name }) => html`<p>Hello <b>${name}</b></p>`,
 * });
 * ```
 */
export interface TemplateDefinition<Vars extends object = Record<string, unknown>> {
  subject: (vars: Vars) => string;
  text?: (vars: Vars) => string;
  html?: (vars: Vars) => string | SafeHtml;
  variables?: readonly (keyof Vars & string)[];
}

/**
 * What a template renders to; `text` is generated from `html` when the template has none.
 *
 * @example
 * ```ts
 * const { subject, text, html } = registry.preview('welcome', { name: 'Ana' });
 * ```
 */
export interface RenderedTemplate {
  subject: string;
  text: string;
  html?: string;
}

/**
 * Named templates. See {@link createTemplateRegistry}.
 *
 * @example
 * ```ts
 * registry.names(); // ['password-reset', 'welcome']
 * ```
 */
export interface TemplateRegistry {
  /** Renders `name` with `vars`; throws `NotifyTemplateError` for an unknown template or a missing variable. */
  render(name: string, vars?: Readonly<Record<string, unknown>>): RenderedTemplate;
  /** Same as `render`, for showing a template (e.g. in an admin page) without sending it. */
  preview(name: string, vars?: Readonly<Record<string, unknown>>): RenderedTemplate;
  /** Known template names, sorted. */
  names(): string[];
  /** Variables a template requires. */
  variables(name: string): string[];
}

/**
 * Identity helper that types a template's variables.
 *
 * @example
 * ```ts
 * const reset = defineTemplate<{ link: string }>({ variables: ['link'], subject: () => 'Reset your password', text: ({ link }) => link });
 * ```
 */
export function defineTemplate<Vars extends object>(definition: TemplateDefinition<Vars>): TemplateDefinition<Vars> {
  return definition;
}

const PLACEHOLDER = /\{\{\s*([A-Za-z_][\w.]*)\s*\}\}/g;

function lookup(vars: Readonly<Record<string, unknown>>, path: string): unknown {
  let value: unknown = vars;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function placeholders(source: string): string[] {
  return [...source.matchAll(PLACEHOLDER)].map((match) => match[1]!);
}

/** A file template: `{{ name }}` placeholders; values are HTML-escaped in the HTML part. */
function fileTemplate(parts: { subject: string; text?: string; html?: string }): TemplateDefinition {
  const fill = (source: string, escape: boolean) => (vars: Record<string, unknown>) =>
    source.replace(PLACEHOLDER, (_match, path: string) => {
      const value = lookup(vars, path);
      return escape ? escapeHtml(value) : String(value);
    });
  const variables = [
    ...new Set([parts.subject, parts.text ?? '', parts.html ?? ''].flatMap((source) => placeholders(source))),
  ];
  return {
    variables,
    subject: fill(parts.subject.trim(), false),
    ...(parts.text === undefined ? {} : { text: fill(parts.text, false) }),
    ...(parts.html === undefined ? {} : { html: fill(parts.html, true) }),
  };
}

/** Reads `<name>.subject.txt`, `<name>.text.txt` and `<name>.html` files. */
function loadDirectory(directory: string): Record<string, TemplateDefinition> {
  const found = new Map<string, { subject?: string; text?: string; html?: string }>();
  for (const file of readdirSync(directory)) {
    const match = /^(.+)\.(subject\.txt|text\.txt|html)$/.exec(file);
    if (!match) continue;
    const entry = found.get(match[1]!) ?? {};
    const part = match[2] === 'subject.txt' ? 'subject' : match[2] === 'text.txt' ? 'text' : 'html';
    entry[part] = readFileSync(join(directory, file), 'utf8');
    found.set(match[1]!, entry);
  }
  const templates: Record<string, TemplateDefinition> = {};
  for (const [name, parts] of found) {
    if (parts.subject === undefined) {
      throw new TelltaleConfigError({
        option: `directory (${name})`,
        value: join(directory, name),
        expected: `a ${name}.subject.txt file next to its body`,
      });
    }
    if (parts.text === undefined && parts.html === undefined) {
      throw new TelltaleConfigError({
        option: `directory (${name})`,
        value: join(directory, name),
        expected: `${name}.text.txt or ${name}.html`,
      });
    }
    templates[name] = fileTemplate(parts as { subject: string });
  }
  return templates;
}

/**
 * Named templates from typed functions (`templates`) and/or a directory of
 * files (`<name>.subject.txt`, `<name>.text.txt`, `<name>.html`, with
 * `{{ variable }}` or `{{ user.name }}` placeholders; values are HTML-escaped
 * in the HTML part). Every placeholder of a file template is a required
 * variable; a missing one is a `NotifyTemplateError` at `send`. When a
 * template has only HTML, the text version is generated from it.
 *
 * @example
 * ```ts
 * import { createNotifier, createTemplateRegistry, defineTemplate, smtpChannel } from '@telltale/notify';
 * const templates = createTemplateRegistry({
 *   directory: './templates',
 *   templates: { welcome: defineTemplate<{ name: string }>({ variables: ['name'], subject: ({ name }) => `Welcome, ${name}`, text: ({ name }) => `Hi ${name}!` }) },
 * });
 * const notifier = createNotifier({ channels: { email: smtpChannel({ host: 'smtp.example.com', from: 'hi@example.com' }) }, templates });
 * await notifier.send({ to: ['ana@example.com'], template: 'welcome', vars: { name: 'Ana' } });
 * ```
 */
export function createTemplateRegistry(
  options: {
    // Each template has its own variable type; the registry stores them type-erased.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    templates?: Readonly<Record<string, TemplateDefinition<any>>>;
    directory?: string;
  } = {},
): TemplateRegistry {
  check.object('createTemplateRegistry', options);
  const templates = new Map<string, TemplateDefinition>();
  if (options.directory !== undefined) {
    const directory = check.nonEmptyString('directory', options.directory);
    for (const [name, template] of Object.entries(loadDirectory(directory))) templates.set(name, template);
  }
  for (const [name, template] of Object.entries(check.object('templates', options.templates))) {
    if (typeof template !== 'object' || template === null || typeof template.subject !== 'function') {
      throw new TelltaleConfigError({
        option: `templates.${name}`,
        value: template,
        expected: 'a template with at least a subject function',
      });
    }
    templates.set(name, template as TemplateDefinition);
  }

  function render(name: string, vars: Readonly<Record<string, unknown>> = {}): RenderedTemplate {
    const template = templates.get(name);
    if (!template) throw new NotifyTemplateError(name, 'unknown-template', 'no template with this name');
    for (const variable of template.variables ?? []) {
      const value = lookup(vars, variable);
      if (value === undefined || value === null) {
        throw new NotifyTemplateError(name, 'missing-variable', `missing variable "${variable}"`, variable);
      }
    }
    try {
      const subject = template.subject(vars);
      const markup = template.html === undefined ? undefined : String(template.html(vars));
      const text = template.text?.(vars) ?? (markup === undefined ? '' : textFromHtml(markup));
      return { subject, text, ...(markup === undefined ? {} : { html: markup }) };
    } catch (error) {
      throw new NotifyTemplateError(name, 'render-failed', 'rendering threw', undefined, error);
    }
  }

  return {
    render,
    preview: render,
    names: () => [...templates.keys()].sort(),
    variables: (name) => [...(templates.get(name)?.variables ?? [])],
  };
}
