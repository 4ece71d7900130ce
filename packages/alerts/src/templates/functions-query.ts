import type { TemplateFunction } from './functions.js';
import { compareGoStrings, GoMap, GoStruct, goTypeName, isMap, isStruct, toStringArgument } from './values.js';

/** One `query` result sample as templates see it (`.Labels`, `.Value`). */
export function toTemplateSample(labels: Readonly<Record<string, string>>, value: number): GoStruct {
  return new GoStruct(
    '*template.sample',
    new Map<string, unknown>([
      ['Labels', new GoMap(labels)],
      ['Value', value],
    ]),
  );
}

function asResult(value: unknown): GoStruct[] {
  if (Array.isArray(value)) return value as GoStruct[];
  throw new Error(`wrong type for value; expected template.queryResult; got ${goTypeName(value)}`);
}

function asSample(value: unknown): GoStruct {
  if (isStruct(value) && value.typeName === '*template.sample') return value;
  if (value === null || value === undefined)
    throw new Error('runtime error: invalid memory address or nil pointer dereference');
  throw new Error(`wrong type for value; expected *template.sample; got ${goTypeName(value)}`);
}

function sampleLabel(sample: GoStruct, name: string): string {
  const labels = sample.fields.get('Labels');
  return isMap(labels) ? String(labels.get(name)) : '';
}

/** `query` and the helpers over its result. */
export const QUERY_FUNCTIONS: Readonly<Record<string, TemplateFunction>> = {
  query: {
    arity: 1,
    call: (context, [expression]) => {
      if (!context.query) throw new Error('query is not available outside a rule evaluation');
      return context.query(toStringArgument(expression)).map((sample) => toTemplateSample(sample.labels, sample.value));
    },
  },
  first: {
    arity: 1,
    call: (_context, [result]) => {
      const samples = asResult(result);
      if (samples.length === 0) throw new Error('first() called on vector with no elements');
      return samples[0];
    },
  },
  label: { arity: 2, call: (_context, [name, sample]) => sampleLabel(asSample(sample), toStringArgument(name)) },
  value: { arity: 1, call: (_context, [sample]) => asSample(sample).fields.get('Value') },
  strvalue: { arity: 1, call: (_context, [sample]) => sampleLabel(asSample(sample), '__value__') },
  sortByLabel: {
    arity: 2,
    call: (_context, [name, result]) => {
      const label = toStringArgument(name);
      // Array.prototype.sort is stable, like Go's sort.Stable.
      return [...asResult(result)].sort((a, b) => compareGoStrings(sampleLabel(a, label), sampleLabel(b, label)));
    },
  },
  args: {
    arity: { minimum: 0 },
    call: (_context, values) =>
      new GoMap(Object.fromEntries(values.map((value, index) => [`arg${index}`, value])), 'any'),
  },
};
