// Who runs this command, by the OS: the default operator of a change record (`--operator`).
import { userInfo } from 'node:os';

export function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    // No passwd entry for this uid (a container): the uid is still who it is.
    return `uid-${process.getuid?.() ?? 'unknown'}`;
  }
}
