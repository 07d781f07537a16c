// node-forge, loaded on first use: only PKCS#12 work needs it (a PFX read, or one written for a
// Windows host), and loading it adds about 11 MB to a process that may hold a 500-host rollout.
import { createRequire } from 'node:module';
import type forge from 'node-forge';

let lib: typeof forge | undefined;

export function forgeLib(): typeof forge {
  lib ??= createRequire(import.meta.url)('node-forge') as typeof forge;
  return lib;
}
