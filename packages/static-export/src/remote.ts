export { exportRemote, RemoteExportAbortedError } from './remote-export.js';
export type { RemoteExportOptions } from './remote-export.js';
export { startExportHost } from './export-host.js';
export type { ExportHostOptions } from './export-host.js';
export type { RemoteExportFailure, RemoteExportLogEntry, RemoteExportSummary } from './remote-report.js';
