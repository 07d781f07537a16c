// File operations shared by the two PowerShell transports: static scripts, the path and the bytes
// (base64) in the JSON on stdin, never in the script text or a command line.
import { assertSuccess } from '../classify.js';
import { type ExecOptions, type ExecResult, type PutFileOptions } from '../types.js';
import { jsonInput, PS_PUT_FILE, PS_REMOVE } from '../../shell/index.js';

type Exec = (script: string, options: ExecOptions & { what?: string }) => Promise<ExecResult>;

export async function psPutFile(
  exec: Exec,
  target: string,
  path: string,
  data: string | Buffer,
  options: PutFileOptions,
): Promise<void> {
  const what = `writing ${path}`;
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const stdin = jsonInput({
    path,
    data: bytes.toString('base64'),
    // Windows has no mode bits: a mode with no group/other bits means a protected ACL.
    private: (options.mode & 0o077) === 0,
  });
  const result = await exec(PS_PUT_FILE, {
    stdin,
    what,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  assertSuccess(result, what, target);
}

export async function psRemove(
  exec: Exec,
  target: string,
  path: string,
  signal?: AbortSignal,
): Promise<void> {
  const what = `removing ${path}`;
  const result = await exec(PS_REMOVE, {
    stdin: jsonInput({ path }),
    what,
    ...(signal === undefined ? {} : { signal }),
  });
  assertSuccess(result, what, target);
}
