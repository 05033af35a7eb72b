import * as z from 'zod';
import type { Principal } from '@berth/auth';
import {
  auditEventViewSchema,
  auditQuerySchema,
  cachePurgeSchema,
  cacheStatsSchema,
  jobsViewSchema,
  meViewSchema,
  memberSetSchema,
  memberViewSchema,
  projectCreateSchema,
  projectPatchSchema,
  projectViewSchema,
  purgeResultSchema,
  artifactViewSchema,
  repositoryListSchema,
  repositoryQuerySchema,
  tagListSchema,
  tagQuerySchema,
  robotCreateSchema,
  robotPatchSchema,
  robotViewSchema,
  robotWithSecretSchema,
  signatureFailureViewSchema,
  unlockResultSchema,
  userCreateSchema,
  userDetailSchema,
  userPatchSchema,
  userViewSchema,
  type AdminServices,
} from '@berth/core';
import { openApiDocument } from './openapi.js';

/** Who may call a route; enforced by the services (anonymous callers are refused by the router first). */
export type AdminRight =
  | 'public'
  | 'authenticated'
  | 'system-admin'
  | 'self-or-system-admin'
  | 'project-guest'
  | 'project-maintainer'
  | 'project-admin';

export interface AdminCall {
  principal: Principal;
  /** Path parameters by name, as in `path`. */
  params: Record<string, string>;
  query: unknown;
  body: unknown;
}

export interface AdminRoute {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Relative to /api/v1, OpenAPI style: `/projects/{project}`. */
  path: string;
  operationId: string;
  summary: string;
  tag: 'projects' | 'repositories' | 'members' | 'robots' | 'cache' | 'jobs' | 'users' | 'audit' | 'account' | 'meta';
  right: AdminRight;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** The answer's schema; absent for 204 No Content. */
  response?: z.ZodType;
  status: 200 | 201 | 204;
  /** The route may answer 409 CONFLICT. */
  conflict?: boolean;
  /** Returns the answer body (ignored for 204). */
  handler: (services: AdminServices, call: AdminCall) => Promise<unknown>;
}

const list = <T extends z.ZodType>(key: string, item: T) => z.object({ [key]: z.array(item) });
const param = (call: AdminCall, name: string): string => call.params[name] ?? '';

/** Every /api/v1 route; the router and the OpenAPI document are both built from this table. */
export const ADMIN_ROUTES: readonly AdminRoute[] = [
  // Projects
  { method: 'get', path: '/projects', operationId: 'listProjects', summary: 'Projects the caller may see (all for a system admin)', tag: 'projects', right: 'authenticated', response: list('projects', projectViewSchema), status: 200,
    handler: (s, c) => s.projects.list(c.principal) },
  { method: 'post', path: '/projects', operationId: 'createProject', summary: 'Create a hosted or proxy project', tag: 'projects', right: 'system-admin', body: projectCreateSchema, response: projectViewSchema, status: 201, conflict: true,
    handler: (s, c) => s.projects.create(c.principal, c.body) },
  { method: 'get', path: '/projects/{project}', operationId: 'getProject', summary: 'One project', tag: 'projects', right: 'project-guest', response: projectViewSchema, status: 200,
    handler: (s, c) => s.projects.get(c.principal, param(c, 'project')) },
  { method: 'patch', path: '/projects/{project}', operationId: 'updateProject', summary: 'Change settings and visibility (top-level fields given replace the stored ones; `upstreams` replaces the ordered list of upstreams, which adds, removes, reorders and changes them, an upstream without credentials keeping those stored for the same name and URL); 409 for a project declared in the configuration (managedBy: configuration)', tag: 'projects', right: 'project-maintainer', body: projectPatchSchema, response: projectViewSchema, status: 200, conflict: true,
    handler: (s, c) => s.projects.update(c.principal, param(c, 'project'), c.body) },
  { method: 'delete', path: '/projects/{project}', operationId: 'deleteProject', summary: 'Delete a project with its repositories, members and robots; 409 for a project declared in the configuration', tag: 'projects', right: 'project-admin', status: 204, conflict: true,
    handler: (s, c) => s.projects.remove(c.principal, param(c, 'project')) },
  { method: 'get', path: '/projects/{project}/signature-verdicts', operationId: 'listSignatureFailures', summary: "Images this process refused (enforce) or served unverified (audit) under the project's signature policy, newest first, with each signature's failure", tag: 'projects', right: 'project-guest', response: list('failures', signatureFailureViewSchema), status: 200,
    handler: (s, c) => s.projects.signatureFailures(c.principal, param(c, 'project')) },
  // Repositories (`{repository}` is the name within the project, URL-encoded: library%2Fnginx)
  { method: 'get', path: '/projects/{project}/repositories', operationId: 'listRepositories', summary: 'Repositories of the project (paged with limit and last, filtered with q) with tag count, size, last push and last pull', tag: 'repositories', right: 'project-guest', query: repositoryQuerySchema, response: repositoryListSchema, status: 200,
    handler: (s, c) => s.repositories.list(c.principal, param(c, 'project'), c.query) },
  { method: 'delete', path: '/projects/{project}/repositories/{repository}', operationId: 'deleteRepository', summary: "Delete a repository: its pushed content, or in a proxy project Berth's copy (the next pull fetches it again)", tag: 'repositories', right: 'project-maintainer', status: 204,
    handler: (s, c) => s.repositories.deleteRepository(c.principal, param(c, 'project'), param(c, 'repository')) },
  { method: 'get', path: '/projects/{project}/repositories/{repository}/tags', operationId: 'listRepositoryTags', summary: 'Tags with digest, media type, platforms, size, pushed or cached, last pull', tag: 'repositories', right: 'project-guest', query: tagQuerySchema, response: tagListSchema, status: 200,
    handler: (s, c) => s.repositories.tags(c.principal, param(c, 'project'), param(c, 'repository'), c.query) },
  { method: 'delete', path: '/projects/{project}/repositories/{repository}/tags/{tag}', operationId: 'deleteRepositoryTag', summary: 'Delete a tag (a pushed tag, or the cached copy of an upstream tag); its manifest stays', tag: 'repositories', right: 'project-maintainer', status: 204,
    handler: (s, c) => s.repositories.deleteTag(c.principal, param(c, 'project'), param(c, 'repository'), param(c, 'tag')) },
  { method: 'get', path: '/projects/{project}/repositories/{repository}/artifacts/{reference}', operationId: 'getArtifact', summary: 'One manifest by tag or digest: layers, platforms, and its referrers as a tree (local and upstream marked)', tag: 'repositories', right: 'project-guest', response: artifactViewSchema, status: 200,
    handler: (s, c) => s.repositories.artifact(c.principal, param(c, 'project'), param(c, 'repository'), param(c, 'reference')) },
  // Members
  { method: 'get', path: '/projects/{project}/members', operationId: 'listMembers', summary: 'Members and their roles', tag: 'members', right: 'project-maintainer', response: list('members', memberViewSchema), status: 200,
    handler: (s, c) => s.members.list(c.principal, param(c, 'project')) },
  { method: 'put', path: '/projects/{project}/members/{user}', operationId: 'setMember', summary: 'Add a user to the project or change their role', tag: 'members', right: 'project-admin', body: memberSetSchema, response: memberViewSchema, status: 200,
    handler: (s, c) => s.members.set(c.principal, param(c, 'project'), param(c, 'user'), c.body) },
  { method: 'delete', path: '/projects/{project}/members/{user}', operationId: 'removeMember', summary: 'Remove a member', tag: 'members', right: 'project-admin', status: 204,
    handler: (s, c) => s.members.remove(c.principal, param(c, 'project'), param(c, 'user')) },
  // Robots
  { method: 'get', path: '/projects/{project}/robots', operationId: 'listRobots', summary: 'Robot accounts (never their secrets)', tag: 'robots', right: 'project-maintainer', response: list('robots', robotViewSchema), status: 200,
    handler: (s, c) => s.robots.list(c.principal, param(c, 'project')) },
  { method: 'post', path: '/projects/{project}/robots', operationId: 'createRobot', summary: 'Create a robot account; the answer is the only time its secret is shown', tag: 'robots', right: 'project-admin', body: robotCreateSchema, response: robotWithSecretSchema, status: 201, conflict: true,
    handler: (s, c) => s.robots.create(c.principal, param(c, 'project'), c.body) },
  { method: 'get', path: '/projects/{project}/robots/{robot}', operationId: 'getRobot', summary: 'One robot account by its short name', tag: 'robots', right: 'project-maintainer', response: robotViewSchema, status: 200,
    handler: (s, c) => s.robots.get(c.principal, param(c, 'project'), param(c, 'robot')) },
  { method: 'patch', path: '/projects/{project}/robots/{robot}', operationId: 'updateRobot', summary: 'Disable or enable a robot, change its permissions, expiry or description', tag: 'robots', right: 'project-admin', body: robotPatchSchema, response: robotViewSchema, status: 200,
    handler: (s, c) => s.robots.update(c.principal, param(c, 'project'), param(c, 'robot'), c.body) },
  { method: 'delete', path: '/projects/{project}/robots/{robot}', operationId: 'deleteRobot', summary: 'Delete a robot account', tag: 'robots', right: 'project-admin', status: 204,
    handler: (s, c) => s.robots.remove(c.principal, param(c, 'project'), param(c, 'robot')) },
  { method: 'post', path: '/projects/{project}/robots/{robot}/secret', operationId: 'regenerateRobotSecret', summary: 'Replace the secret (the old one stops working); shown once', tag: 'robots', right: 'project-admin', response: robotWithSecretSchema, status: 200,
    handler: (s, c) => s.robots.regenerateSecret(c.principal, param(c, 'project'), param(c, 'robot')) },
  { method: 'post', path: '/projects/{project}/robots/{robot}/unlock', operationId: 'unlockRobot', summary: 'End the locks that failed logins put on the robot, from every client address', tag: 'robots', right: 'project-admin', response: unlockResultSchema, status: 200,
    handler: (s, c) => s.robots.unlock(c.principal, param(c, 'project'), param(c, 'robot')) },
  // Cache
  { method: 'post', path: '/projects/{project}/cache/purge', operationId: 'purgeCache', summary: 'Forget cached upstream content of the project or of one repository', tag: 'cache', right: 'project-maintainer', body: cachePurgeSchema, response: purgeResultSchema, status: 200,
    handler: (s, c) => s.cache.purge(c.principal, param(c, 'project'), c.body) },
  { method: 'get', path: '/projects/{project}/cache/stats', operationId: 'cacheStats', summary: 'Cached repositories, manifests, blobs and bytes; hits, misses and last pull', tag: 'cache', right: 'project-guest', response: cacheStatsSchema, status: 200,
    handler: (s, c) => s.cache.stats(c.principal, param(c, 'project')) },
  // Jobs
  { method: 'get', path: '/jobs', operationId: 'jobsStatus', summary: 'Background jobs by state (waiting, active, delayed, failed) and the most recent failures', tag: 'jobs', right: 'system-admin', response: jobsViewSchema, status: 200,
    handler: (s, c) => s.jobs.status(c.principal) },
  // Users
  { method: 'get', path: '/users', operationId: 'listUsers', summary: 'Every user', tag: 'users', right: 'system-admin', response: list('users', userViewSchema), status: 200,
    handler: (s, c) => s.users.list(c.principal) },
  { method: 'post', path: '/users', operationId: 'createUser', summary: 'Create a user', tag: 'users', right: 'system-admin', body: userCreateSchema, response: userViewSchema, status: 201, conflict: true,
    handler: (s, c) => s.users.create(c.principal, c.body) },
  { method: 'get', path: '/users/{user}', operationId: 'getUser', summary: 'One user with their memberships', tag: 'users', right: 'system-admin', response: userDetailSchema, status: 200,
    handler: (s, c) => s.users.get(c.principal, param(c, 'user')) },
  { method: 'patch', path: '/users/{user}', operationId: 'updateUser', summary: 'Change password, admin flag or disabled; a user may send only {password} for themself', tag: 'users', right: 'self-or-system-admin', body: userPatchSchema, response: userViewSchema, status: 200, conflict: true,
    handler: (s, c) => s.users.update(c.principal, param(c, 'user'), c.body) },
  { method: 'delete', path: '/users/{user}', operationId: 'deleteUser', summary: 'Delete a user (memberships go with them)', tag: 'users', right: 'system-admin', status: 204, conflict: true,
    handler: (s, c) => s.users.remove(c.principal, param(c, 'user')) },
  { method: 'post', path: '/users/{user}/unlock', operationId: 'unlockUser', summary: 'End the locks that failed logins put on the user, from every client address', tag: 'users', right: 'system-admin', response: unlockResultSchema, status: 200,
    handler: (s, c) => s.users.unlock(c.principal, param(c, 'user')) },
  // Audit, account, document
  { method: 'get', path: '/audit', operationId: 'listAuditEvents', summary: 'Audit events, newest first; filtered by project, repository, action and account when given', tag: 'audit', right: 'system-admin', query: auditQuerySchema, response: list('events', auditEventViewSchema), status: 200,
    handler: (s, c) => s.audit.list(c.principal, c.query) },
  { method: 'get', path: '/me', operationId: 'getMe', summary: 'The caller: account, kind, admin flag and memberships', tag: 'account', right: 'authenticated', response: meViewSchema, status: 200,
    handler: async (s, c) => s.users.me(c.principal) },
  { method: 'get', path: '/openapi.json', operationId: 'getOpenApiDocument', summary: 'This document (no authentication needed)', tag: 'meta', right: 'public', response: z.record(z.string(), z.unknown()), status: 200,
    handler: async () => openApiDocument(ADMIN_ROUTES) },
];
