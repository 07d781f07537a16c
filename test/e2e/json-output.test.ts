// JSON everywhere, through the built CLI against a real lab host: `rollout --output jsonl` is a
// stream of events, each valid against docs/json-events.schema.json (checked with ajv) and ending
// with the outcome; `rollback --json` is one document; a usage error with --json is JSON too.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { listRunIds } from '../../src/journal/index.js';
import { useRenewalLab } from '../lab/index.js';
import { runCli } from '../helpers/cli.js';

const SCHEMA = JSON.parse(
  readFileSync(
    fileURLToPath(new URL('../../docs/json-events.schema.json', import.meta.url)),
    'utf8',
  ),
) as object;
// ajv-formats is CommonJS: under Node's ESM loader its function is the default export's default.
type AddFormats = (ajv: Ajv) => Ajv;
const formats = addFormatsModule as unknown as AddFormats | { default: AddFormats };
const addFormats: AddFormats = typeof formats === 'function' ? formats : formats.default;
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validEvent = ajv.compile(SCHEMA);

const fx = useRenewalLab({
  hosts: 1,
  environments: ([web]) => [{ name: 'prod', hosts: [web!] }],
});

interface Event {
  readonly v: number;
  readonly seq: number;
  readonly type: string;
  readonly data: Record<string, unknown>;
}

describe('JSON output of long commands', () => {
  it('rollout --output jsonl: one valid event per line, steps in order, the outcome last', () => {
    const { stateDir, lab, newLeaf } = fx();
    const r = runCli(
      [...['rollout', ...fx().args()], '--yes', '--output', 'jsonl', '--state-dir', stateDir],
      {
        timeoutMs: 120_000,
      },
    );
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    const events = lines.map((l) => JSON.parse(l) as Event);
    for (const [i, e] of events.entries())
      expect(
        validEvent(e),
        `line ${i + 1}: ${ajv.errorsText(validEvent.errors)}\n${lines[i]}`,
      ).toBe(true);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('plan');
    expect(types[1]).toBe('run-started');
    expect(types.at(-1)).toBe('outcome');
    expect(types).toContain('step-finished');
    const verify = events.find((e) => e.type === 'step-finished' && e.data['step'] === 'verify');
    expect(verify?.data).toMatchObject({
      host: lab.hosts[0]!.name,
      ok: true,
      observed: newLeaf.sha256,
    });
    expect(events.at(-1)!.data).toMatchObject({ ok: true, exitCode: 0, status: 'succeeded' });
    // Nothing for a person on stdout: the preview and the table stay out of the stream.
    expect(r.stdout).not.toContain('ENV  HOST');
  }, 150_000);

  it('rollback --json: one document with the outcome', () => {
    const { stateDir } = fx();
    const [run] = listRunIds(stateDir);
    const r = runCli(
      ['rollback', run!, '--yes', '--json', '--trust', fx().root.certPath, '--state-dir', stateDir],
      {
        timeoutMs: 120_000,
      },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: true,
      exitCode: 0,
      runId: run,
      status: 'rolled-back',
    });
  }, 150_000);

  it('a usage error with --json is a JSON document, and an error event with --output jsonl', () => {
    const r = runCli(['apply', 'plan.json', '--json', '--approve']);
    expect(r.code).toBe(64);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: false,
      exitCode: 64,
      error: { code: 'USAGE', message: "option '--approve <env>' argument missing" },
    });
    const l = runCli(['apply', 'missing-plan.json', '--output', 'jsonl']);
    expect(l.code).toBe(66);
    const event = JSON.parse(l.stdout) as Event;
    expect(validEvent(event), ajv.errorsText(validEvent.errors)).toBe(true);
    expect(event).toMatchObject({
      type: 'error',
      data: { ok: false, exitCode: 66, error: { code: 'INPUT_NOT_FOUND' } },
    });
  });
});
