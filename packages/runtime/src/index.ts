export { openRuntime, type Runtime } from './runtime.js';
export { createLogger, loggerOptions, type Logger } from './logger.js';
export { createJobQueue, registryRunsJobs } from './job-queue.js';
export { createMetrics, type HttpMetrics, type RegistryMetrics } from './metrics.js';
export type { JobMetrics } from './job-metrics.js';
export { closeOnSignals, loadConfigOrExit, runMain, StartupError } from './process-lifecycle.js';
export { listenOn } from './listen.js';
export { createReadiness, readinessAnswer, readinessChecks, type CheckResult, type Readiness, type ReadinessCheck, type ReadinessReport } from './readiness.js';
