// One logger, built in one place and passed in (never imported as a global). Records are JSON
// with fields, not interpolated strings; child loggers carry runId, env, host, port and step.
import winston from 'winston';
import { type Redactor } from './redact.js';

export interface LogFields {
  readonly runId?: string;
  readonly env?: string;
  readonly host?: string;
  readonly port?: number;
  readonly step?: string;
  readonly [key: string]: unknown;
}

export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  readonly redactor: Redactor;
  /** JSON lines are appended here (the run's audit log); mode 0600. */
  readonly file?: string;
  readonly level?: 'error' | 'warn' | 'info' | 'debug';
  /** Extra winston transports (tests capture records with a Stream transport). */
  readonly transports?: readonly winston.transport[];
}

export function createLogger(options: LoggerOptions): Logger {
  const redact = winston.format((info) => {
    const clean = options.redactor.value({ ...info }) as Record<string, unknown>;
    for (const key of Object.keys(clean)) (info as Record<string, unknown>)[key] = clean[key];
    return info;
  });
  const transports: winston.transport[] = [...(options.transports ?? [])];
  if (options.file !== undefined) {
    transports.push(
      new winston.transports.File({ filename: options.file, options: { flags: 'a', mode: 0o600 } }),
    );
  }
  const base = winston.createLogger({
    level: options.level ?? 'info',
    format: winston.format.combine(redact(), winston.format.timestamp(), winston.format.json()),
    transports:
      transports.length > 0 ? transports : [new winston.transports.Console({ silent: true })],
  });
  return wrap(base);
}

function wrap(w: winston.Logger): Logger {
  return {
    info: (message, fields) => void w.info(message, fields),
    warn: (message, fields) => void w.warn(message, fields),
    error: (message, fields) => void w.error(message, fields),
    debug: (message, fields) => void w.debug(message, fields),
    child: (fields) => wrap(w.child(fields)),
  };
}
