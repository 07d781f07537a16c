// The field names a schema allows at a path of the data, so an unknown field can be answered with
// the one it was probably meant to be (`canry` -> canary). Reads zod's definitions; pure.
import { type z } from 'zod';

interface Def {
  readonly type: string;
  readonly shape?: Readonly<Record<string, z.core.$ZodType>>;
  readonly innerType?: z.core.$ZodType;
  readonly element?: z.core.$ZodType;
  readonly options?: readonly z.core.$ZodType[];
  readonly in?: z.core.$ZodType;
}

const def = (s: z.core.$ZodType): Def => s._zod.def;

// Wrappers that do not change which fields an object has; bounded, schemas are finite trees.
function unwrap(s: z.core.$ZodType, depth = 0): z.core.$ZodType[] {
  if (depth > 16) return [];
  const d = def(s);
  const inner = d.innerType ?? d.in;
  if (inner !== undefined) return unwrap(inner, depth + 1);
  if (d.type === 'union' && d.options !== undefined) {
    return d.options.flatMap((o) => unwrap(o, depth + 1));
  }
  return [s];
}

function child(s: z.core.$ZodType, step: PropertyKey): z.core.$ZodType[] {
  const d = def(s);
  if (typeof step === 'number') return d.type === 'array' && d.element ? [d.element] : [];
  if (typeof step !== 'string' || d.type !== 'object') return [];
  const next = d.shape?.[step];
  return next === undefined ? [] : [next];
}

/** The fields of the object(s) `schema` allows at `path` (empty when none is an object). */
export function fieldsAt(schema: z.core.$ZodType, path: readonly PropertyKey[]): string[] {
  let here = unwrap(schema);
  for (const step of path) here = here.flatMap((s) => child(s, step)).flatMap((s) => unwrap(s));
  const names = here.flatMap((s) =>
    Object.keys(def(s).type === 'object' ? (def(s).shape ?? {}) : {}),
  );
  return [...new Set(names)];
}
