// What resolving an inventory needs to know (its file, folder, home, user, where each value was
// written, where problems go), and the small resolutions every part uses: local paths, secret
// references, a value's origin.
import { isAbsolute, join, resolve as resolvePath } from 'node:path';
import { type DetailSink, type Locate } from './issues.js';
import { type SecretRef } from './model.js';
import { type Path } from './paths.js';
import { type ParsedSshConfig } from './ssh-config.js';

export interface ResolveContext {
  readonly file: string;
  /** Folder relative paths (identity files, known_hosts, playbooks) are resolved against. */
  readonly baseDir: string;
  /** What `~` expands to. */
  readonly home: string;
  readonly locate: Locate;
  readonly sink: DetailSink;
  /** The local user name (OpenSSH's default remote user, and ssh_config's %u). */
  readonly localUser: string;
  /** An ssh_config file parsed, or undefined when it does not exist. */
  readonly readSshConfig: (absolutePath: string) => ParsedSshConfig | undefined;
}

/** Where a local path points: `~` is the home folder, relative paths start at the inventory. */
export function localPath(p: string, ctx: Pick<ResolveContext, 'baseDir' | 'home'>): string {
  if (p === '~') return ctx.home;
  if (p.startsWith('~/')) return join(ctx.home, p.slice(2));
  return isAbsolute(p) ? p : resolvePath(ctx.baseDir, p);
}

/** A secret reference as written (`{ env }` or `{ file }`, relative to the inventory) resolved. */
export function secretOf(
  s: { env?: string | undefined; file?: string | undefined },
  ctx: Pick<ResolveContext, 'baseDir' | 'home'>,
): SecretRef {
  return s.env !== undefined
    ? { from: 'env', name: s.env }
    : { from: 'file', path: localPath(s.file ?? '', ctx) };
}

/** Where a value was written (file:line:column and field), for a resolved item's `origin`. */
export function origin(
  ctx: ResolveContext,
  path: Path,
): { file: string; line?: number; column?: number; field: string } {
  const pos = ctx.locate(path);
  return pos === undefined
    ? { file: ctx.file, field: ctx.sink.fieldName(path) }
    : {
        file: pos.file ?? ctx.file,
        line: pos.line,
        column: pos.column,
        field: ctx.sink.fieldName(path),
      };
}
