// The Transport port: the handful of operations certroll needs on a host. Implementations (ssh,
// powershell over ssh, pwsh remoting, local) live beside this file; everything above them (steps,
// workflow) sees only this interface, so tests can pass fakes without module mocking.

/** The shell a transport's scripts are written for. */
export type Shell = 'sh' | 'powershell';

export interface ExecOptions {
  /** Bytes for the command's standard input: data and secrets go here, never in the script. */
  readonly stdin?: string | Buffer;
  /** Kill the command and fail with TRANSPORT_TIMEOUT after this long. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface ExecResult {
  /** Remote exit status. A non-zero status is data, not an exception: callers judge it. */
  readonly exitCode: number;
  readonly stdout: string;
  /** Data, not a verdict: `nginx -t` writes to stderr when it succeeds. */
  readonly stderr: string;
  readonly durationMs: number;
}

export interface PutFileOptions {
  /** File mode set at creation (the file never exists with a wider mode), e.g. 0o600 for keys. */
  readonly mode: number;
  readonly signal?: AbortSignal;
}

export interface Transport {
  /** For messages: `web-03 (10.0.4.7:22)`. */
  readonly target: string;
  readonly shell: Shell;
  /**
   * False once the connection connect() opened was closed or lost (connect() does not reopen it:
   * make a new transport). Absent where nothing stays open between commands (local, WinRM).
   */
  readonly isOpen?: boolean;
  /**
   * Opens the connection. Fails with TRANSPORT_HOST_KEY (before authentication),
   * TRANSPORT_AUTH, TRANSPORT_UNREACHABLE or TRANSPORT_TIMEOUT.
   */
  connect(signal?: AbortSignal): Promise<void>;
  /**
   * Runs a script in the transport's shell (sh: a command line; powershell: a static script
   * run with -NoProfile -NonInteractive -EncodedCommand). Throws only when the command could not
   * be run or finish (connection lost, timeout, abort); a failing command returns its exit code.
   */
  exec(script: string, options?: ExecOptions): Promise<ExecResult>;
  /** Writes a file atomically with `mode` from creation; data never appears in argv or script. */
  putFile(path: string, data: string | Buffer, options: PutFileOptions): Promise<void>;
  /** Removes a file; a missing file is not an error. */
  remove(path: string, signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}
