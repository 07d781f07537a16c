// An Ansible inventory as read from its files, whatever their format: the groups and host vars
// (`--list --export` shape) and, for each var, where it was written (file:line:column), so that
// a problem found after mapping to certroll's model points at the Ansible text that caused it.
import { type ErrorDetail } from '../../errors.js';
import { formatPath, type Path } from '../paths.js';
import { type Position } from '../yaml-source.js';
import { type AnsibleList } from './groups.js';
import { type AnsibleYaml } from './yaml-structure.js';

/** Where something inside a var's value was written; `rest` is the path inside the value. */
export type Where = (rest: Path, of: 'key' | 'value') => Position | undefined;

export interface AnsibleSource {
  readonly list: AnsibleList;
  /** By group or host name, then var name (the last write wins, as in Ansible). */
  readonly groupVarAt: Map<string, Map<string, Where>>;
  readonly hostVarAt: Map<string, Map<string, Where>>;
  /** Where a host is first named. */
  readonly hostAt: Map<string, Where>;
  /** Problems of the structure itself, reported before mapping. */
  readonly problems: ErrorDetail[];
  /** Problems of how values are written (e.g. a port as 0o17), reported with validation. */
  readonly lexical: ErrorDetail[];
}

type Locate = (path: Path, of?: 'key' | 'value') => Position | undefined;

/** The YAML inventory's structure with positions taken from its YAML document. */
export function fromYamlStructure(
  structure: AnsibleYaml,
  file: string,
  locate: Locate,
  lexical: readonly ErrorDetail[],
): AnsibleSource {
  const withFile = (p: Position | undefined): Position | undefined =>
    p === undefined ? undefined : { ...p, file };
  const wheres = (m: Map<string, Map<string, Path>>): Map<string, Map<string, Where>> =>
    new Map(
      [...m].map(([owner, vars]) => [
        owner,
        new Map(
          [...vars].map(([k, base]) => [
            k,
            (rest: Path, of: 'key' | 'value') => withFile(locate([...base, ...rest], of)),
          ]),
        ),
      ]),
    );
  return {
    list: structure.list,
    groupVarAt: wheres(structure.groupVarPath),
    hostVarAt: wheres(structure.hostVarPath),
    hostAt: new Map([...structure.hostPath].map(([h, p]) => [h, () => withFile(locate(p, 'key'))])),
    problems: structure.problems.map((p) => {
      const pos = locate(p.path, 'key');
      const field = formatPath(p.path);
      return {
        file,
        ...(pos !== undefined && { line: pos.line, column: pos.column }),
        ...(field !== '' && { field }),
        message: p.message,
      };
    }),
    lexical: [...lexical],
  };
}
