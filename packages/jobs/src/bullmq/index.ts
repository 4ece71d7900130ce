export { bullmqBackend } from './bullmq-backend.js';
export type { BullmqBackendOptions } from './bullmq-backend.js';
