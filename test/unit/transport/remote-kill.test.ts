import { describe, expect, it } from 'vitest';
import { killGroupCommand, takePid } from '../../../src/transport/ssh/remote-kill.js';

describe('stopping a remote sh command', () => {
  it('finds and strips the process group announcement from stderr', () => {
    expect(takePid('x\ncertroll-pid:4242\nwarn\n')).toEqual({ pid: 4242, rest: 'x\nwarn\n' });
    expect(takePid('nothing')).toEqual({ pid: undefined, rest: 'nothing' });
    expect(killGroupCommand(4242)).toMatch(/^kill -TERM -4242 .*kill -KILL -4242 /);
    expect(() => killGroupCommand(1)).toThrow(RangeError);
  });
});
