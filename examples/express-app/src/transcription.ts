// Transcription as a job (@telltale/jobs, memory backend) whose status streams to
// /live/sessions/:id/status (@telltale/live): queued, started, progressed (each provider
// attempt and fallback), then completed | dead-lettered | cancelled, then the end of the stream.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { createEmitter, type Logger } from '@telltale/core';
import { createJobs, type JobEvent } from '@telltale/jobs';
import { createLiveHub, liveFeed } from '@telltale/live';
import type { AudioInput, SttProvider, Transcript } from '@telltale/stt';
import { refuseUpload } from './upload-auth.js';

/** What a transcription job reports as progress (the `progressed` events' `data.progress`). */
export type TranscriptionProgress =
  { stage: 'provider-attempt'; provider: string } | { stage: 'fallback'; from: string; to: string };

// The job running on this async path: the fallback transcriber calls providers inside it.
const currentJob = new AsyncLocalStorage<{ report(provider: string): void }>();

/**
 * Wraps a provider so each attempt on it is reported to the transcription job it runs
 * for. Outside a job (background probes) nothing is reported.
 */
export function reportingProvider(provider: SttProvider): SttProvider {
  return {
    id: provider.id,
    transcribe(audio, options) {
      currentJob.getStore()?.report(provider.id);
      return provider.transcribe(audio, options);
    },
    ...(provider.close ? { close: () => provider.close?.() } : {}),
  };
}

/**
 * Job events tagged with their session. Events that arrive before `submit` resolves (a job
 * can be queued and started by then) wait until `track(id, session)` names the session.
 */
function sessionEvents(jobs: { onEvent(listener: (event: JobEvent) => void): { dispose(): void } }) {
  type Tagged = JobEvent & { session: string };
  const emitter = createEmitter<Tagged>();
  const sessionOf = new Map<string, string>();
  const early = new Map<string, JobEvent[]>();
  const final = (event: JobEvent) => ['job-completed', 'job-dead-lettered', 'job-cancelled'].includes(event.type);
  const subscription = jobs.onEvent((event) => {
    const session = sessionOf.get(event.id);
    if (session !== undefined) emitter.emit({ ...event, session });
    else if (!final(event)) early.set(event.id, [...(early.get(event.id) ?? []), event]);
    if (final(event)) {
      sessionOf.delete(event.id);
      early.delete(event.id);
    }
  });
  return {
    source: { onEvent: (listener: (event: Tagged) => void) => emitter.on(listener) },
    track(id: string, session: string) {
      const waiting = early.get(id) ?? [];
      early.delete(id);
      if (waiting.some(final)) return;
      sessionOf.set(id, session);
      for (const event of waiting) emitter.emit({ ...event, session });
    },
    dispose: () => subscription.dispose(),
  };
}

/** Options of {@link createLiveTranscription}. */
export interface LiveTranscriptionOptions {
  stt: SttProvider;
  /** The upload token also guards the status stream (same bearer header). */
  uploadToken: string | undefined;
  sessionExists(id: string): boolean;
  logger?: Logger | undefined;
}

/** The transcription job type, its live hub (mounted by the app) and the feed between them. */
export function createLiveTranscription(options: LiveTranscriptionOptions) {
  // Payloads stay small (docs/jobs.md): the audio waits here under an upload id. On a shared
  // backend it would go to object storage and the payload would carry its key.
  const uploads = new Map<string, AudioInput>();
  const jobs = createJobs({
    types: {
      transcribe: {
        concurrency: 3,
        maxAttempts: 1, // the fallback transcriber already retries and falls back
        timeout: '2m',
        handler: (payload: { upload: string }, { signal, progress }) => {
          const audio = uploads.get(payload.upload);
          if (!audio) throw new Error('the upload is gone (process restarted?)');
          let previous: string | undefined;
          const report = (provider: string) => {
            if (previous !== undefined && previous !== provider) {
              progress({ stage: 'fallback', from: previous, to: provider } satisfies TranscriptionProgress);
            }
            previous = provider;
            progress({ stage: 'provider-attempt', provider } satisfies TranscriptionProgress);
          };
          return currentJob.run({ report }, () => options.stt.transcribe(audio, { language: 'en', signal }));
        },
      },
    },
    logger: options.logger,
  });
  const hub = createLiveHub({
    topics: ['sessions/:id/status'],
    // The same bearer token as the upload; the caps count per session (3 streams each).
    authorize: (request, _topic, { params }) => {
      const refused = refuseUpload(request.headers, options.uploadToken);
      if (refused) return { allow: false, status: refused.status, message: refused.error };
      const id = params.id ?? '';
      return options.sessionExists(id)
        ? { allow: true, key: `session:${id}` }
        : { allow: false, status: 403, message: 'unknown session' };
    },
    logger: options.logger,
  });
  const events = sessionEvents(jobs);
  // The one line: job status → the session's live topic, ended 30 s after the final status.
  const feed = liveFeed(events.source, hub, { topic: (event) => `sessions/${event.session}/status` });

  return {
    hub,
    jobs,
    /** Runs the transcription as a job and resolves with its transcript. */
    async transcribe(sessionId: string, audio: AudioInput): Promise<Transcript> {
      const upload = randomUUID();
      uploads.set(upload, audio);
      try {
        const { id, done } = await jobs.submit('transcribe', { upload });
        events.track(id, sessionId);
        return (await done) as Transcript;
      } finally {
        uploads.delete(upload);
      }
    },
    async close() {
      await feed.close();
      events.dispose();
      await jobs.close();
      await hub.close();
    },
  };
}

export type LiveTranscription = ReturnType<typeof createLiveTranscription>;
