export { isAlive, waitForThreadsGone } from './is-alive.js';
export { pidExists } from './pid-exists.js';
export { waitFor, type Condition, type WaitForOptions } from './wait-for.js';
export { makeTempDir, removeTempDirs } from './make-temp-dir.js';
export { traceGc, type GcTotals, type GcTrace } from './trace-gc.js';
export { chaosIterations, chaosSeed, describeProcess, processesMarked, seededRandom } from './chaos.js';
export { findNginx, startNginx, type Nginx, type NginxOptions } from './nginx.js';
export { findRedisServer, startRedis, type Redis, type StartRedisOptions } from './redis.js';
export { findExecutable, type ExecutableSpec } from './find-executable.js';
