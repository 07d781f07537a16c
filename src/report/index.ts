// Pure renderers: scan reports as a table, JSON and Prometheus text, and the exit code of a
// status. The status rules they show are the scan's decision and live with it (probe/status.ts).
export { exitCodeForStatus } from './status.js';
export { renderScanTable } from './scan-table.js';
export { renderScanJson, scanReportJson } from './scan-json.js';
export { renderPrometheus, renderPrometheusUnknown } from './prometheus.js';
