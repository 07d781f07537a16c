// Building text for a remote shell, in one place: the one quoting function per shell (quote), the
// generic sh scripts (sh), the PowerShell encoding and file scripts (powershell*), and the host
// lock's scripts. Pure. Scripts specific to one concern stay with it (a playbook's template in
// playbooks/, discovery's scripts in discover/), but quote every value with these functions.
export { shQuote, psQuote } from './quote.js';
export {
  sudoWrap,
  tempPathFor,
  putFileScript,
  putFilesScript,
  removeScript,
  PUT_FILES_TOOLS_CHECK,
  type FileToPut,
} from './sh.js';
export {
  MAX_COMMAND_LINE,
  PS_PRELUDE,
  PS_READ_INPUT,
  PS_REMOTE_PRELUDE,
  PS_PID_ANNOUNCE,
  psKillTreeCommand,
  POWERSHELL_ARGS,
  encodeCommand,
  decodeCommand,
  powershellCommandLine,
  jsonInput,
} from './powershell.js';
export { PS_PUT_FILE, PS_REMOVE } from './powershell-files.js';
export {
  LOCK_HELD_EXIT,
  shLockAcquire,
  shLockRelease,
  shLockThen,
  shUnlockAfter,
  LOCKED_MARK,
  UNLOCKED_MARK,
  PS_LOCK_ACQUIRE,
  PS_LOCK_RELEASE,
  hostLockInput,
} from './host-lock.js';
export {
  WINDOWS_FLOOR,
  WINDOWS_FACTS_SCRIPT,
  parseWindowsFacts,
  belowWindowsFloor,
} from './windows-facts.js';
