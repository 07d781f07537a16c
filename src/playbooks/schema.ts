// The playbook format: one YAML file per binding kind. Validated strictly (unknown fields are
// errors) so a typo in a playbook fails at load time, not halfway through a rollout.
import { z } from 'zod';
import { type SourceLocation } from '../errors.js';

export const STEP_NAMES = [
  'preflight',
  'capture',
  'stage',
  'bind',
  'rollback',
  'cleanup',
  'restart',
  'purge',
  'discover',
] as const;
export type StepName = (typeof STEP_NAMES)[number];

/**
 * Steps every playbook must define. `restart` (the cold-start check), `purge` (remove the
 * backups a finished run kept for `certroll rollback RUN`) and `discover` are optional.
 */
export const REQUIRED_STEPS: readonly StepName[] = STEP_NAMES.filter(
  (s) => s !== 'discover' && s !== 'purge' && s !== 'restart',
);

/**
 * `path`: a file or folder on the host, absolute for the playbook's shell. `command`: a program
 * name found on the host's PATH, or an absolute path. `service-name`: a Windows service name.
 * `bc-instance`: a Business Central server instance name. Rules in src/inventory/values.ts.
 */
export const PARAM_TYPES = [
  'string',
  'int',
  'bool',
  'path',
  'command',
  'thumbprint',
  'service-name',
  'bc-instance',
  'list',
] as const;
export type ParamType = (typeof PARAM_TYPES)[number];

const paramValue = z.union([z.string(), z.number().int(), z.boolean(), z.array(z.string())]);

const validRegex = z.string().refine(
  (s) => {
    try {
      new RegExp(s, 'u');
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not a valid regular expression' },
);

export const paramSpecSchema = z.strictObject({
  type: z.enum(PARAM_TYPES),
  required: z.boolean().default(false),
  default: paramValue.optional(),
  description: z.string().min(1),
  /** A regular expression (JavaScript, unicode mode) the whole value must match. */
  pattern: validRegex.optional(),
});

const script = z.string().min(1, 'a step needs a script');

export const playbookSchema = z.strictObject({
  kind: z
    .string()
    .regex(
      /^[a-z][a-z0-9-]{0,62}$/,
      'lowercase letters, digits and dashes, starting with a letter',
    ),
  description: z.string().min(1),
  shell: z.enum(['sh', 'powershell']),
  /**
   * What the stage step receives: `pem` files uploaded to the staging dir (sh), the `pfx` bytes
   * and password on stdin (powershell), or `none` (nothing secret is sent at all).
   */
  material: z.enum(['pem', 'pfx', 'none']).optional(),
  /**
   * `params`: bindings of this kind with the same parameters are one unit (captured, bound,
   * restarted and undone once: one Business Central instance is one restart). `binding`: every
   * binding alone. Unset: sh playbooks that never name the binding share, PowerShell ones do not.
   */
  unit: z.enum(['binding', 'params']).optional(),
  /**
   * Key algorithms the service can use; a certificate with another key is refused before any
   * host is touched (Business Central needs an exchangeable RSA key). Unset: any.
   */
  keyAlgorithms: z
    .array(z.enum(['rsa', 'ec']))
    .min(1)
    .optional(),
  /** A user playbook may replace a built-in of the same kind only when it says so here. */
  overrideBuiltin: z.boolean().default(false),
  params: z
    .record(
      z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,62}$/, 'parameter names are identifiers'),
      paramSpecSchema,
    )
    .default({}),
  steps: z.strictObject({
    preflight: script,
    capture: script,
    stage: script,
    bind: script,
    rollback: script,
    cleanup: script,
    restart: script.optional(),
    purge: script.optional(),
    discover: script.optional(),
  }),
});

export type ParamSpec = z.infer<typeof paramSpecSchema>;
export type PlaybookDocument = z.infer<typeof playbookSchema>;

export interface Playbook extends PlaybookDocument {
  /** File it was loaded from. */
  readonly source: string;
  readonly builtin: boolean;
  /** Line of each step's script in the file (for messages). */
  readonly stepLines: Readonly<Partial<Record<StepName, number>>>;
}

/** The playbooks known to a command: built in, then the inventory's own folders. */
export interface PlaybookRegistry {
  readonly kinds: readonly string[];
  /** The playbook of a kind; PLAYBOOK_NOT_FOUND (listing the known kinds) otherwise. */
  get(kind: string, origin?: SourceLocation): Playbook;
  has(kind: string): boolean;
}
