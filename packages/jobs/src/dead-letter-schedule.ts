import { options as check, type Clock, type Logger, type TimerHandle } from '@telltale/core';
import type { JobsBackend } from './backend.js';
import type { DeadLetterOptions } from './types.js';

/** Handle of the running schedule. */
export interface DeadLetterSchedule {
  /** Runs one round now (redrive due letters, drop old ones); resolves when done. */
  runOnce(): Promise<{ redriven: number; dropped: number }>;
  stop(): void;
}

/** Which dead letters to drop and which to redrive, given the schedule. Pure. */
export function planDeadLetters(
  letters: readonly { id: string; redrives: number; finishedAt?: number | undefined }[],
  settings: { now: number; maxRedrives: number; dropAfter: number | undefined; redrive: boolean },
): { drop: string[]; redrive: string[] } {
  const drop: string[] = [];
  const redrive: string[] = [];
  for (const letter of letters) {
    const age = settings.now - (letter.finishedAt ?? settings.now);
    if (settings.dropAfter !== undefined && age >= settings.dropAfter) drop.push(letter.id);
    else if (settings.redrive && letter.redrives < settings.maxRedrives) redrive.push(letter.id);
  }
  return { drop, redrive };
}

/**
 * Starts the `deadLetter` schedule: every `redriveEvery` (or hourly when only
 * `dropAfter` is set) dead letters older than `dropAfter` are removed and the
 * rest with fewer than `maxRedrives` redrives go back to the queue. Its timer
 * is a background one: it never keeps the process alive.
 */
export function startDeadLetterSchedule(
  options: DeadLetterOptions | undefined,
  context: { clock: Clock; logger: Logger; backend: JobsBackend; isClosed(): boolean },
): DeadLetterSchedule {
  const input = check.object('createJobs.deadLetter', options);
  const redriveEvery =
    input.redriveEvery === undefined
      ? undefined
      : check.duration('createJobs.deadLetter.redriveEvery', input.redriveEvery);
  const maxRedrives = check.nonNegativeInteger('createJobs.deadLetter.maxRedrives', input.maxRedrives, 5);
  const dropAfter =
    input.dropAfter === undefined ? undefined : check.duration('createJobs.deadLetter.dropAfter', input.dropAfter);
  const { clock, logger, backend } = context;
  const every = redriveEvery ?? (dropAfter === undefined ? undefined : Math.min(dropAfter, 3_600_000));
  let timer: TimerHandle | undefined;
  let stopped = false;

  const runOnce = async (): Promise<{ redriven: number; dropped: number }> => {
    const letters = await backend.list('dead');
    const plan = planDeadLetters(letters, {
      now: clock.now(),
      maxRedrives,
      dropAfter,
      redrive: redriveEvery !== undefined,
    });
    const dropped = plan.drop.length > 0 ? await backend.remove(plan.drop) : 0;
    const redriven = plan.redrive.length > 0 ? (await backend.redrive(plan.redrive)).length : 0;
    if (dropped + redriven > 0) logger.info({ redriven, dropped }, 'dead letters: scheduled round');
    return { redriven, dropped };
  };
  const arm = (): void => {
    if (every === undefined || stopped) return;
    timer = clock.setTimeout(
      () => {
        timer = undefined;
        if (stopped || context.isClosed()) return;
        runOnce()
          .catch((error: unknown) => logger.error({ err: error }, 'dead letters: scheduled round failed'))
          .finally(arm);
      },
      every,
      { background: true },
    );
  };
  arm();
  return {
    runOnce,
    stop() {
      stopped = true;
      if (timer !== undefined) clock.clearTimeout(timer);
    },
  };
}
