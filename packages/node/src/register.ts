// `node --import @telltale/node/register app.js`: installs OpenTelemetry's ESM
// loader hook (import-in-the-middle) and the default library instrumentations
// before the app's first import, so `import pg from 'pg'` in the app is
// patched even though `startTelemetry()` runs after it. startTelemetry()
// adopts these instrumentations; without it they record nothing.
import { register } from 'node:module';
import { prepareInstrumentations } from './instrumentations.js';

register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
prepareInstrumentations();
