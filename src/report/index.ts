// Pure renderers: scan reports as a table, JSON and Prometheus text; the status rules.
export { classifyEndpoint, classifyResult, exitCodeForStatus, worst } from './status.js';
export { renderScanTable } from './scan-table.js';
export { renderScanJson, scanReportJson } from './scan-json.js';
export { renderPrometheus, renderPrometheusUnknown } from './prometheus.js';
