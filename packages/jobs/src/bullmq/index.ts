export { bullmqBackend } from './bullmq-backend.js';
export type { BullmqBackendOptions } from './backend-options.js';
