import type { IncomingMessage } from 'node:http';
import { options as validate, TelltaleConfigError, type Clock, type DurationInput, type Logger } from '@telltale/core';
import type { ProfileOptions } from './profiles.js';
import { createHostCheck, type AllowedHosts } from './allowed-hosts.js';
import type { HealthDetails } from './health-details.js';
import type { SilenceRequest } from './silence-action.js';
import type { AlertView, DashboardSources } from './views.js';

/**
 * A check on an incoming request; `false` answers 403.
 *
 * @example
 * ```ts
 * import type { RequestPredicate } from '@telltale/dashboard';
 * const onCall: RequestPredicate = (request) => request.headers.authorization === `Bearer ${process.env.OPS_TOKEN}`;
 * ```
 */
export type RequestPredicate = (request: IncomingMessage) => boolean | Promise<boolean>;

/**
 * Options of `createDashboard`.
 *
 * @example
 * ```ts
 * import type { DashboardOptions } from '@telltale/dashboard';
 * // Interval figures: each call covers the requests since the previous one.
 * let previous = metrics.snapshot();
 * const options: DashboardOptions = {
 *   sources: {
 *     routes: () => {
 *       const interval = metrics.snapshot({ since: previous });
 *       previous = metrics.snapshot();
 *       return interval.routes;
 *     },
 *   },
 *   authorize: { act: (request) => request.headers.authorization === `Bearer ${process.env.OPS_TOKEN}` },
 *   tick: '2s',
 * };
 * ```
 */
export interface DashboardOptions {
  /** What to show; each section appears only when its source is given. */
  sources?: DashboardSources;
  /** Mutating actions offered on the page. They need `authorize.act`. */
  actions?: {
    /** Silences an alert until `until` (e.g. `engine.silence(matchers, { until, comment })`). */
    silence?: (alert: AlertView, request: SilenceRequest) => unknown;
  };
  /**
   * Authorisation hooks. `view` guards every read (page, stream, JSON) and
   * is optional; `act` guards actions and is required for them: without it
   * every action answers 403.
   */
  authorize?: { view?: RequestPredicate; act?: RequestPredicate };
  /** Limits of the on-demand CPU profile and heap snapshot actions (which need `authorize.act`). */
  profiles?: ProfileOptions;
  /**
   * Who sees health check outputs and observed values. Default
   * `'when-authorized'`: everyone `authorize.view` lets in when that hook is
   * set, else only requests made directly from this machine. Others see each
   * check's name and status only.
   */
  healthDetails?: HealthDetails;
  /**
   * `Host` names actions accept besides loopback names and IP addresses
   * (the DNS-rebinding guard): list the names the dashboard is reached by,
   * e.g. `['ops.example.com']`; `'.example.com'` matches subdomains; `'all'`
   * turns the check off. Default: none.
   */
  allowedHosts?: AllowedHosts;
  /** URL path the page is served under. Default `'/_telltale'`. */
  path?: string;
  /** Page title. Default `'Telltale'`. */
  title?: string;
  /** Interval between snapshots. Default `'2s'`, at least 100 ms. */
  tick?: DurationInput;
  /** Interval of SSE heartbeat comments. Default `'15s'`. */
  heartbeat?: DurationInput;
  /** An SSE client that accepts no data for this long is disconnected. Default `'1m'`. */
  idleTimeout?: DurationInput;
  /** Concurrent SSE connections in total; beyond, 503. Default 100. */
  maxClients?: number;
  /** Concurrent SSE connections per client address; beyond, 503. Default 10. */
  maxClientsPerAddress?: number;
  /** Points kept per chart (one per tick). Default 60. */
  history?: number;
  /** Busiest routes shown. Default 50. */
  maxRoutes?: number;
  /** Address used for the per-address cap. Default: the socket's remote address. */
  clientAddress?: (request: IncomingMessage) => string;
  clock?: Clock;
  logger?: Partial<Logger>;
}

const SOURCE_NAMES = ['routes', 'health', 'alerts', 'breakers', 'queues', 'stt', 'caches'] as const;

/** Validated, defaulted options. */
export function resolveDashboardOptions(input: DashboardOptions) {
  validate.object('options', input);
  const sources = validate.object('sources', input.sources);
  for (const key of Object.keys(sources)) {
    if (!(SOURCE_NAMES as readonly string[]).includes(key)) {
      throw new TelltaleConfigError({
        option: `sources.${key}`,
        value: key,
        expected: `one of ${SOURCE_NAMES.join(', ')}`,
      });
    }
    validate.optionalFunction(`sources.${key}`, sources[key as keyof DashboardSources]);
  }
  const actions = validate.object('actions', input.actions);
  validate.optionalFunction('actions.silence', actions.silence);
  const authorize = validate.object('authorize', input.authorize);
  validate.optionalFunction('authorize.view', authorize.view);
  validate.optionalFunction('authorize.act', authorize.act);
  validate.optionalFunction('clientAddress', input.clientAddress);
  const healthDetails = validate.oneOf(
    'healthDetails',
    input.healthDetails,
    ['when-authorized', 'always', 'never'],
    'when-authorized',
  );
  const hostAllowed = createHostCheck(input.allowedHosts);

  const rawPath = validate.nonEmptyString('path', input.path, '/_telltale');
  if (!rawPath.startsWith('/') || /[?#\s]/.test(rawPath)) {
    throw new TelltaleConfigError({ option: 'path', value: rawPath, expected: 'a URL path starting with "/"' });
  }
  const tick = validate.duration('tick', input.tick, '2s');
  if (tick < 100) throw new TelltaleConfigError({ option: 'tick', value: input.tick, expected: 'a duration >= 100ms' });

  return {
    sources,
    silence: actions.silence,
    view: authorize.view,
    act: authorize.act,
    healthDetails,
    hostAllowed,
    path: rawPath.replace(/\/+$/, ''),
    title: validate.nonEmptyString('title', input.title, 'Telltale'),
    tick,
    heartbeat: validate.duration('heartbeat', input.heartbeat, '15s'),
    idleTimeout: validate.duration('idleTimeout', input.idleTimeout, '1m'),
    maxClients: validate.positiveInteger('maxClients', input.maxClients, 100),
    maxClientsPerAddress: validate.positiveInteger('maxClientsPerAddress', input.maxClientsPerAddress, 10),
    history: validate.positiveInteger('history', input.history, 60),
    maxRoutes: validate.positiveInteger('maxRoutes', input.maxRoutes, 50),
    clientAddress: input.clientAddress ?? ((request: IncomingMessage) => request.socket.remoteAddress ?? 'unknown'),
    clock: input.clock,
    logger: input.logger,
  };
}
