import { options as validate, TelltaleConfigError, type DurationInput } from '@telltale/core';
import type { Labels } from '../store/labels.js';
import {
  isList,
  matchersMatch,
  matchersString,
  parseMatchers,
  sortMatchers,
  type Matcher,
  type MatcherInput,
} from './matchers.js';

/**
 * A route as in Alertmanager's `route:` block (snake_case keys, so an
 * Alertmanager configuration can be pasted as is).
 */
export interface RouteInput {
  /** Receiver name; inherited from the parent when omitted (required on the root). */
  receiver?: string;
  /** Labels to group by; `['...']` groups by all labels. Inherited. */
  group_by?: readonly string[];
  /** Matchers such as `'severity=~"critical|page"'`; the root has none. */
  matchers?: string | readonly MatcherInput[];
  /** Keep matching siblings after this route matched. Default `false`. */
  continue?: boolean;
  /** Wait before the first notification of a new group. Default `'30s'`, inherited. */
  group_wait?: DurationInput;
  /** Wait between notifications about a group that changed. Default `'5m'`, inherited. */
  group_interval?: DurationInput;
  /** Wait before re-sending an unchanged notification. Default `'4h'`, inherited. */
  repeat_interval?: DurationInput;
  /**
   * Names of time intervals during which this route sends nothing (Alertmanager's
   * `mute_time_intervals`). Not inherited by child routes; not allowed on the root.
   */
  mute_time_intervals?: readonly string[];
  /**
   * Names of time intervals outside of which this route sends nothing (Alertmanager's
   * `active_time_intervals`). Not inherited by child routes; not allowed on the root.
   */
  active_time_intervals?: readonly string[];
  /** Child routes. */
  routes?: readonly RouteInput[];
}

/** A validated route node. */
export interface Route {
  /** Alertmanager's `Route.Key()`: `{}` for the root, `{}/{severity="page"}` below. */
  readonly key: string;
  /** Unique id (key plus sibling index), so identical sibling routes keep separate groups. */
  readonly id: string;
  readonly receiver: string;
  readonly groupBy: readonly string[];
  readonly groupByAll: boolean;
  readonly matchers: readonly Matcher[];
  readonly continue: boolean;
  readonly groupWait: number;
  readonly groupInterval: number;
  readonly repeatInterval: number;
  /** Own `mute_time_intervals` (never inherited, as in Alertmanager). */
  readonly muteTimeIntervals: readonly string[];
  /** Own `active_time_intervals` (never inherited, as in Alertmanager). */
  readonly activeTimeIntervals: readonly string[];
  readonly routes: readonly Route[];
}

function intervalNames(
  path: string,
  input: RouteInput,
  name: 'mute_time_intervals' | 'active_time_intervals',
  root: boolean,
  known: ReadonlySet<string> | undefined,
): string[] {
  const value = input[name];
  if (value === undefined) return [];
  if (!isList(value) || value.some((item) => typeof item !== 'string'))
    throw new TelltaleConfigError({ option: `${path}.${name}`, value, expected: 'an array of time interval names' });
  if (root && value.length > 0)
    throw new TelltaleConfigError({ option: `${path}.${name}`, value, expected: 'none on the root route' });
  value.forEach((interval, index) => {
    if (known && !known.has(interval))
      throw new TelltaleConfigError({
        option: `${path}.${name}[${index}]`,
        value: interval,
        expected: 'a time interval defined in timeIntervals or muteTimeIntervals',
      });
  });
  return [...value];
}

function build(
  input: RouteInput,
  parent: Route | undefined,
  path: string,
  index: number,
  known: ReadonlySet<string> | undefined,
): Route {
  validate.object(path, input);
  const receiver = input.receiver ?? parent?.receiver;
  if (typeof receiver !== 'string' || receiver === '')
    throw new TelltaleConfigError({ option: `${path}.receiver`, value: input.receiver, expected: 'a receiver name' });
  if (!parent && input.matchers !== undefined && parseMatchers(input.matchers).length > 0)
    throw new TelltaleConfigError({
      option: `${path}.matchers`,
      value: input.matchers,
      expected: 'none on the root route',
    });
  let matchers: Matcher[];
  try {
    matchers = sortMatchers(parseMatchers(input.matchers ?? []));
  } catch (error) {
    throw new TelltaleConfigError({
      option: `${path}.matchers`,
      value: input.matchers,
      expected: `valid matchers (${(error as Error).message})`,
    });
  }
  const groupByInput: readonly string[] = input.group_by ?? parent?.groupBy ?? [];
  if (!isList(groupByInput) || groupByInput.some((name) => typeof name !== 'string'))
    throw new TelltaleConfigError({
      option: `${path}.group_by`,
      value: input.group_by,
      expected: 'an array of label names',
    });
  const groupByAll = input.group_by ? groupByInput.includes('...') : (parent?.groupByAll ?? false);
  if (groupByAll && groupByInput.length > 1)
    throw new TelltaleConfigError({ option: `${path}.group_by`, value: input.group_by, expected: "'...' alone" });
  const duration = (
    name: 'group_wait' | 'group_interval' | 'repeat_interval',
    inherited: number | undefined,
    fallback: string,
  ) => {
    const value = validate.duration(`${path}.${name}`, input[name], inherited ?? fallback);
    if (name !== 'group_wait' && value <= 0)
      throw new TelltaleConfigError({ option: `${path}.${name}`, value: input[name], expected: 'a positive duration' });
    return value;
  };
  const key = parent ? `${parent.key}/${matchersString(matchers)}` : matchersString(matchers);
  const route: Route = {
    key,
    id: parent ? `${parent.id}/${index}${matchersString(matchers)}` : key,
    receiver,
    groupBy: groupByAll ? [] : [...groupByInput],
    groupByAll,
    matchers,
    continue: input.continue === true,
    groupWait: duration('group_wait', parent?.groupWait, '30s'),
    groupInterval: duration('group_interval', parent?.groupInterval, '5m'),
    repeatInterval: duration('repeat_interval', parent?.repeatInterval, '4h'),
    muteTimeIntervals: intervalNames(path, input, 'mute_time_intervals', !parent, known),
    activeTimeIntervals: intervalNames(path, input, 'active_time_intervals', !parent, known),
    routes: [],
  };
  const children: readonly RouteInput[] = input.routes ?? [];
  if (!isList(children))
    throw new TelltaleConfigError({ option: `${path}.routes`, value: children, expected: 'an array of routes' });
  (route as unknown as { routes: Route[] }).routes = children.map((child, childIndex) =>
    build(child, route, `${path}.routes[${childIndex}]`, childIndex, known),
  );
  return route;
}

/**
 * Validates a route tree (defaults and inheritance as in Alertmanager). With
 * `timeIntervals`, every interval name a route refers to must be among them.
 */
export function buildRouteTree(input: RouteInput, option = 'route', timeIntervals?: ReadonlySet<string>): Route {
  return build(input, undefined, option, 0, timeIntervals);
}

/** Alertmanager's `Route.Match`: the deepest matching routes, honouring `continue`. */
export function matchRoutes(route: Route, labels: Labels): Route[] {
  if (!matchersMatch(route.matchers, labels)) return [];
  const all: Route[] = [];
  for (const child of route.routes) {
    const matches = matchRoutes(child, labels);
    all.push(...matches);
    if (matches.length > 0 && !child.continue) break;
  }
  return all.length === 0 ? [route] : all;
}

/** The group labels of an alert under a route (only labels it has). */
export function groupLabelsFor(route: Route, labels: Labels): Record<string, string> {
  if (route.groupByAll) return { ...labels };
  const result: Record<string, string> = {};
  for (const name of route.groupBy) if (labels[name] !== undefined && labels[name] !== '') result[name] = labels[name];
  return result;
}

/** Every receiver name used in the tree. */
export function routeReceivers(route: Route): Set<string> {
  const names = new Set([route.receiver]);
  for (const child of route.routes) for (const name of routeReceivers(child)) names.add(name);
  return names;
}
