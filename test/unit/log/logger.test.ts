import { Writable } from 'node:stream';
import winston from 'winston';
import { describe, expect, it } from 'vitest';
import { createLogger, Redactor } from '../../../src/log/index.js';

function capture(): { lines: string[]; transport: winston.transport } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, transport: new winston.transports.Stream({ stream }) };
}

const PEM =
  '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----';

describe('the logger', () => {
  it('writes JSON records with the child fields of run, env, host, port and step', () => {
    const { lines, transport } = capture();
    const log = createLogger({ redactor: new Redactor(), transports: [transport] });
    log
      .child({ runId: 'r1', env: 'prod' })
      .child({ host: 'web-01', port: 443, step: 'bind' })
      .info('bound');
    const record = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(record).toMatchObject({
      message: 'bound',
      runId: 'r1',
      env: 'prod',
      host: 'web-01',
      port: 443,
      step: 'bind',
    });
  });

  it('removes PEM blocks, long base64, registered secrets and secret-named fields before writing', () => {
    const { lines, transport } = capture();
    const redactor = new Redactor();
    redactor.add('hunter2-password');
    const log = createLogger({ redactor, transports: [transport] });
    log.info(`key is ${PEM}`, {
      stderr: `failed with hunter2-password and ${'QUJD'.repeat(100)}`,
      pfxPassword: 'whatever',
      nested: { password: 'p', list: [PEM] },
    });
    const text = lines.join('');
    expect(text).not.toContain('BEGIN PRIVATE KEY');
    expect(text).not.toContain('MIIEvQIBADANBgkqhkiG9w0BAQEFAASC');
    expect(text).not.toContain('hunter2-password');
    expect(text).not.toContain('QUJDQUJD');
    expect(text).not.toContain('whatever');
    expect(JSON.parse(lines[0]!)).toMatchObject({
      pfxPassword: '[redacted]',
      nested: { password: '[redacted]' },
    });
  });

  it('bounds the depth of what it copies so a cyclic object cannot hang it', () => {
    const { lines, transport } = capture();
    const log = createLogger({ redactor: new Redactor(), transports: [transport] });
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic['self'] = cyclic;
    log.info('cyclic', { cyclic });
    expect(lines).toHaveLength(1);
  });
});
