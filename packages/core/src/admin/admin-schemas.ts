import * as z from 'zod';
import { isValidRobotName } from '@berth/auth';
import { projectSchema } from '@berth/config';

/**
 * What the admin API accepts. Projects use @berth/config's own schema, so a project is described
 * the same way in the configuration file and in the API.
 */

/** POST /projects: a project exactly as in the `projects` list of the configuration. */
export const projectCreateSchema = projectSchema;

const [, proxyProjectSchema] = projectSchema.options;

/**
 * PATCH /projects/{project}: any top-level field of a project except `kind` and `name`. Only the
 * fields present are applied (the defaults this schema would fill in are ignored); a hosted
 * project has only `public`.
 */
export const projectPatchSchema = proxyProjectSchema.omit({ kind: true, name: true }).partial();

const role = z.enum(['guest', 'developer', 'maintainer', 'admin']);
const permissions = z
  .array(z.enum(['pull', 'push', 'delete']))
  .min(1)
  .transform((list) => (['pull', 'push', 'delete'] as const).filter((action) => list.includes(action)));
/** Instants PostgreSQL and Date both hold (year 0000 is neither's); before 1970 means nothing as an expiry. */
const EARLIEST_EXPIRY = Date.UTC(1970, 0, 1);
const LATEST_EXPIRY = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const expiresAt = z.iso
  .datetime({ offset: true, abort: true, error: 'must be an ISO 8601 date-time, e.g. 2030-01-31T00:00:00Z' })
  .refine((text) => {
    const at = Date.parse(text);
    return at >= EARLIEST_EXPIRY && at <= LATEST_EXPIRY;
  }, 'must be between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59Z')
  .nullable();

/** Same rule as auth.admin.username in the configuration. */
export const userNameSchema = z
  .string()
  .min(2)
  .max(64)
  .regex(/^[a-z0-9]+([._-][a-z0-9]+)*$/, 'must be lowercase letters and digits, separated by single ".", "_" or "-"');
const password = z.string().min(8).max(1024);

export const memberSetSchema = z.strictObject({ role });

export const robotCreateSchema = z.strictObject({
  name: z.string().max(64).refine(isValidRobotName, 'must be lowercase letters and digits, separated by single ".", "_" or "-"'),
  description: z.string().max(1000).default(''),
  permissions: permissions.default(['pull']),
  /** Null or absent: never expires. */
  expiresAt: expiresAt.default(null),
});

export const robotPatchSchema = z.strictObject({
  description: z.string().max(1000).optional(),
  permissions: permissions.optional(),
  expiresAt: expiresAt.optional(),
  disabled: z.boolean().optional(),
});

export const userCreateSchema = z.strictObject({
  name: userNameSchema,
  password,
  admin: z.boolean().default(false),
});

/** A user may send `{ password }` for themself; everything else is for system administrators. */
export const userPatchSchema = z.strictObject({
  password: password.optional(),
  admin: z.boolean().optional(),
  disabled: z.boolean().optional(),
});

/** Without `repository`, the whole project's cached content. */
export const cachePurgeSchema = z.strictObject({
  /** Full repository name, e.g. `hub/library/nginx`. */
  repository: z.string().min(1).optional(),
});

export const auditQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  /** Only events older than this id (the last id of the previous page). */
  before: z.coerce.number().int().min(1).optional(),
  /** Only events about this project (its name). */
  project: z.string().min(1).max(256).optional(),
  /** Only events about this repository (its full name, e.g. `library/app`). */
  repository: z.string().min(1).max(512).optional(),
  /** Only this action, e.g. `tag.push`, `login.failed`, `project.update`. */
  action: z.string().min(1).max(64).optional(),
  /** Only events by this account (`alice`, `robot$library+ci`, `anonymous`, `config`). */
  account: z.string().min(1).max(256).optional(),
  /** The same as `account` (the console's name for it). */
  actor: z.string().min(1).max(256).optional(),
  /** Only events whose target contains this text, e.g. `project:hub` or `hub/library`. */
  target: z.string().min(1).max(255).optional(),
});

/** GET /projects/{project}/repositories: `last` is the previous page's `next`, `q` a substring of the name. */
export const repositoryQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  last: z.string().min(1).max(255).optional(),
  q: z.string().max(255).optional(),
});

/** GET .../tags: `last` is the previous page's `next`. */
export const tagQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  last: z.string().min(1).max(128).optional(),
});

export type ProjectPatch = z.infer<typeof projectPatchSchema>;
export type RobotCreate = z.infer<typeof robotCreateSchema>;
export type RobotPatchInput = z.infer<typeof robotPatchSchema>;
export type UserCreate = z.infer<typeof userCreateSchema>;
export type UserPatchInput = z.infer<typeof userPatchSchema>;
