export { openRuntime, type Runtime } from './runtime.js';
export { createLogger, type Logger } from './logger.js';
export { createJobQueue, registryRunsJobs } from './job-queue.js';
export { createMetrics, type RegistryMetrics } from './metrics.js';
export type { JobMetrics } from './job-metrics.js';
export { closeOnSignals, loadConfigOrExit, runMain } from './process-lifecycle.js';
