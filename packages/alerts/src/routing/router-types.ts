import type { Disposable } from '@telltale/core';
import type { Labels } from '../store/labels.js';
import type { MatcherInput } from './matchers.js';
import type { NotificationEvent } from './notification-events.js';
import type { NotificationLogEntry } from './notify-decision.js';
import type { Silence, SilenceOptions, SilenceRecord } from './silences.js';
import type { TimeMute } from './time-mute.js';

/** An alert handed to the router. */
export interface RouterAlertInput {
  labels: Labels;
  annotations?: Record<string, string>;
  /** When it started firing (epoch ms). */
  startsAt: number;
  /** When it resolved (epoch ms); omit while firing. */
  endsAt?: number;
  generatorURL?: string;
}

export type {
  NotificationDeliveredEvent,
  NotificationEvent,
  NotificationEventType,
  NotificationFailedEvent,
} from './notification-events.js';

/** A group as `groups()` reports it. */
export interface AlertGroupState {
  readonly groupKey: string;
  readonly receiver: string;
  readonly labels: Labels;
  readonly alerts: readonly {
    readonly fingerprint: string;
    readonly labels: Labels;
    readonly status: 'firing' | 'resolved';
    /** Why it is not notified, if muted. */
    readonly mutedBy: 'silence' | 'inhibition' | undefined;
  }[];
  readonly lastNotifiedAt: number | undefined;
  /**
   * Whether the group's route is muted by time now, and by which intervals: the matching
   * `mute_time_intervals` (`reason: 'mute_time_interval'`), or all its `active_time_intervals`
   * when none contains now (`reason: 'outside_active_time_intervals'`). `undefined` when not muted.
   */
  readonly timeMute: TimeMute | undefined;
}

/** The router's durable part: its alerts, silences and the notification log. */
export interface RouterSnapshot {
  alerts?: {
    labels: Labels;
    annotations: Record<string, string>;
    startsAt: number;
    endsAt?: number;
    generatorURL: string;
  }[];
  silences: SilenceRecord[];
  notificationLog: Record<string, NotificationLogEntry>;
}

/** Alertmanager-style routing, grouping, inhibition and silences. See {@link createAlertRouter}. */
export interface AlertRouter {
  /** Adds or updates alerts (like `POST /api/v2/alerts`). A resolved alert the router never saw firing is ignored. */
  put(alerts: readonly RouterAlertInput[]): void;
  /** Creates a silence; returns its id. */
  silence(matchers: string | readonly MatcherInput[], options: SilenceOptions): string;
  /** Ends a silence now; `false` if unknown or already expired. */
  expireSilence(id: string): boolean;
  silences(): Silence[];
  groups(): AlertGroupState[];
  /** Whether a label set is silenced or inhibited now. */
  mutedBy(labels: Labels): 'silence' | 'inhibition' | undefined;
  /** Called after every delivery attempt. */
  onNotification(listener: (event: NotificationEvent) => void): Disposable;
  snapshot(): RouterSnapshot;
  restore(snapshot: RouterSnapshot): void;
  /** Stops the group timers and retries (in-flight receivers are not awaited beyond their current call). */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}
