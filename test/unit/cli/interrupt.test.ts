// Ctrl-C and SIGTERM during a run (src/cli/rollout/interrupt.ts), and the yes/no prompt's own
// Ctrl-C (src/cli/prompt.ts).
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { askYesNo } from '../../../src/cli/prompt.js';
import { onInterrupts, runWords, type Interrupts } from '../../../src/cli/rollout/interrupt.js';

describe('onInterrupts', () => {
  let live: Interrupts | undefined;
  afterEach(() => live?.dispose());

  it('stops cleanly at the first signal and at once at the second, naming the run to resume', () => {
    const err: string[] = [];
    const exits: number[] = [];
    live = onInterrupts({ stderr: (t) => err.push(t) }, runWords('run-42'), (c) => exits.push(c));
    expect(live.signal.aborted).toBe(false);
    process.emit('SIGINT', 'SIGINT');
    expect(live.signal.aborted).toBe(true);
    expect(exits).toEqual([]);
    expect(err.join('')).toContain('Ctrl-C: stopping run run-42: no new host starts');
    expect(err.join('')).toContain('Ctrl-C again stops at once.');
    process.emit('SIGTERM', 'SIGTERM');
    expect(exits).toEqual([130]);
    expect(err.join('')).toContain('SIGTERM: stopped at once; `certroll resume run-42` continues');
  });

  it('stops listening once disposed', () => {
    const before = process.listenerCount('SIGINT');
    const i = onInterrupts({ stderr: () => undefined }, runWords('r'), () => undefined);
    expect(process.listenerCount('SIGINT')).toBe(before + 1);
    expect(process.listenerCount('SIGTERM')).toBeGreaterThan(0);
    i.dispose();
    expect(process.listenerCount('SIGINT')).toBe(before);
  });
});

describe('askYesNo', () => {
  const ask = (keys: string | null, signal?: AbortSignal) => {
    const input = new PassThrough();
    const output = new PassThrough();
    output.resume();
    const answer = askYesNo('Apply? [y/N] ', {
      input,
      output,
      terminal: true,
      ...(signal !== undefined ? { signal } : {}),
    });
    setTimeout(() => (keys === null ? input.end() : input.write(keys)), 10);
    return answer;
  };

  it('is yes only for y or yes', async () => {
    expect(await ask('y\r')).toBe(true);
    expect(await ask('YES\r')).toBe(true);
    expect(await ask('\r')).toBe(false);
    expect(await ask('nope\r')).toBe(false);
  });

  it('takes Ctrl-C at the prompt, or the end of input, as no', async () => {
    expect(await ask('\x03')).toBe(false);
    expect(await ask(null)).toBe(false);
  });

  it('ends with no when the run is interrupted while it waits', async () => {
    const interrupted = new AbortController();
    setTimeout(() => interrupted.abort(), 5);
    expect(await ask('', interrupted.signal)).toBe(false);
  });
});
