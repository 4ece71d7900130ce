/** One notification-log entry: what a receiver was last told about a group. */
export interface NotificationLogEntry {
  /** Fingerprints of the firing alerts sent. */
  firing: string[];
  /** Fingerprints of the resolved alerts sent. */
  resolved: string[];
  /** When it was sent (epoch ms). */
  timestamp: number;
}

const subset = (set: ReadonlySet<string>, of: readonly string[]): boolean => {
  const container = new Set(of);
  for (const item of set) if (!container.has(item)) return false;
  return true;
};

/**
 * Alertmanager's `DedupStage.needsUpdate` (notify/notify.go): whether a
 * group must be (re-)sent given what the receiver was last told.
 */
export function needsUpdate(
  entry: NotificationLogEntry | undefined,
  firing: ReadonlySet<string>,
  resolved: ReadonlySet<string>,
  options: { readonly repeatInterval: number; readonly sendResolved: boolean; readonly now: number },
): boolean {
  // Never notified: only if something fires.
  if (!entry) return firing.size > 0;
  // A firing alert the receiver has not been told about.
  if (!subset(firing, entry.firing)) return true;
  // All resolved: tell the receiver only if it was told something fired.
  if (firing.size === 0) return entry.firing.length > 0;
  if (options.sendResolved && !subset(resolved, entry.resolved)) return true;
  // Nothing changed: only once the repeat interval has passed (strictly, as Go's Before).
  return entry.timestamp < options.now - options.repeatInterval;
}
