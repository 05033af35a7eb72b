import * as z from 'zod';
import { berthConfigSchema } from './schema.js';

/** How an environment string becomes a value for a field. */
export type FieldType = 'string' | 'number' | 'boolean' | 'list' | 'section';

/** One setting of the schema, found by walking it (so the environment mapping never drifts from it). */
export interface Field {
  /** The camelCase key as written in YAML. */
  key: string;
  type: FieldType;
  /** For a section: its settings. For a list: the settings of its items (all kinds merged). */
  children: Field[];
}

/** Strip the wrappers that do not change what a field holds. */
function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let current = schema;
  for (;;) {
    if (
      current instanceof z.ZodDefault ||
      current instanceof z.ZodPrefault ||
      current instanceof z.ZodOptional ||
      current instanceof z.ZodNullable
    ) {
      current = current.unwrap();
    } else if (current instanceof z.ZodPipe) {
      current = current.in;
    } else {
      return current;
    }
  }
}

function childrenOf(schema: z.core.$ZodType): Field[] {
  if (schema instanceof z.ZodObject) {
    return Object.entries(schema.shape).map(([key, child]) => describe(key, child));
  }
  if (schema instanceof z.ZodUnion) {
    const byKey = new Map<string, Field>();
    for (const option of schema.options) {
      for (const field of childrenOf(unwrap(option))) if (!byKey.has(field.key)) byKey.set(field.key, field);
    }
    return [...byKey.values()];
  }
  return [];
}

function describe(key: string, schema: z.core.$ZodType): Field {
  const inner = unwrap(schema);
  if (inner instanceof z.ZodBoolean) return { key, type: 'boolean', children: [] };
  if (inner instanceof z.ZodNumber) return { key, type: 'number', children: [] };
  if (inner instanceof z.ZodArray) return { key, type: 'list', children: childrenOf(unwrap(inner.element)) };
  if (inner instanceof z.ZodObject || inner instanceof z.ZodUnion) return { key, type: 'section', children: childrenOf(inner) };
  // Strings, URLs, enums and literals all take the environment text as it is.
  return { key, type: 'string', children: [] };
}

/** The whole configuration as a tree of fields; the root is a section with an empty key. */
export const CONFIG_FIELDS: Field = describe('', berthConfigSchema);

/** The field at a path of keys (list indexes step into the items), or undefined. */
export function fieldAt(path: readonly PropertyKey[]): Field | undefined {
  let field: Field | undefined = CONFIG_FIELDS;
  for (const segment of path) {
    if (field === undefined) return undefined;
    if (field.type === 'list' && typeof segment === 'number') continue;
    field = field.children.find((child) => child.key === segment);
  }
  return field;
}

/** Format a path as `server.port` or `projects[1].name`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text === '' ? String(segment) : `.${String(segment)}`;
  }
  return text === '' ? '(root)' : text;
}
