export { createLogger, type Logger, type LogFields, type LoggerOptions } from './logger.js';
export { Redactor, REDACTED } from './redact.js';
