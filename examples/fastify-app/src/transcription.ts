import { createFallbackTranscriber, openaiProvider, pocketsphinxProvider, type SttProvider } from '@telltale/stt';
import type { AppConfig } from './config.js';

/** Cloud STT first; pocketsphinx (local) or a backup cloud as the fallback. */
export function createTranscriber(config: AppConfig) {
  const providers: SttProvider[] = [openaiProvider({ apiKey: config.cloudSttApiKey, baseUrl: config.cloudSttUrl })];
  if (config.localStt) providers.push(pocketsphinxProvider());
  else if (config.backupSttUrl) {
    providers.push(openaiProvider({ id: 'backup-cloud', apiKey: config.cloudSttApiKey, baseUrl: config.backupSttUrl }));
  }
  return createFallbackTranscriber({
    providers,
    attemptTimeout: '20s',
    breaker: { failureRatio: 0.5, minimumThroughput: 2, window: '30s', halfOpenAfter: '5s' },
    retry: { maxAttempts: 1 },
  });
}
