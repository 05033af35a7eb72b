/**
 * The scope grammar of the Docker token spec, as sent in `GET /token?scope=...`:
 * `repository:<name>:<actions>` and `registry:catalog:*`.
 */
import { MAX_REPOSITORY_NAME_LENGTH, isRepositoryName } from '@berth/oci';
import { REPOSITORY_ACTIONS, ScopeError } from './types.js';
import type { RepositoryAction, Scope } from './types.js';

function excerpt(value: string): string {
  return value.length > 300 ? `${value.slice(0, 300)}...` : value;
}

function isRepositoryAction(value: string): value is RepositoryAction {
  return (REPOSITORY_ACTIONS as readonly string[]).includes(value);
}

/** Actions in the canonical order pull, push, delete, without duplicates. */
export function orderActions(actions: Iterable<RepositoryAction>): RepositoryAction[] {
  const present = new Set(actions);
  return REPOSITORY_ACTIONS.filter((action) => present.has(action));
}

function parseRepositoryActions(text: string, list: string): RepositoryAction[] {
  if (list === '') throw new ScopeError(text, `scope "${excerpt(text)}" names no actions`);
  const actions: RepositoryAction[] = [];
  for (const action of list.split(',')) {
    if (action === '*') {
      actions.push(...REPOSITORY_ACTIONS);
    } else if (isRepositoryAction(action)) {
      actions.push(action);
    } else if (action === '') {
      throw new ScopeError(text, `scope "${excerpt(text)}" has an empty action in "${excerpt(list)}"`);
    } else {
      throw new ScopeError(
        text,
        `scope "${excerpt(text)}" has unknown action "${excerpt(action)}" (expected pull, push, delete or *)`,
      );
    }
  }
  return orderActions(actions);
}

/**
 * Parses one scope. The type runs to the first ':' and the actions start after the last one;
 * the name is what lies between (repository names cannot contain ':', so a name with one is
 * reported as an invalid name rather than silently split elsewhere).
 */
export function parseScope(text: string): Scope {
  const first = text.indexOf(':');
  const last = text.lastIndexOf(':');
  if (first === -1 || first === last) {
    throw new ScopeError(text, `scope "${excerpt(text)}" is not of the form <type>:<name>:<actions>`);
  }
  const type = text.slice(0, first);
  const name = text.slice(first + 1, last);
  const actions = text.slice(last + 1);

  if (type === 'repository') {
    if (name === '') throw new ScopeError(text, `scope "${excerpt(text)}" names no repository`);
    if (!isRepositoryName(name)) {
      const why =
        name.length > MAX_REPOSITORY_NAME_LENGTH
          ? `is longer than ${MAX_REPOSITORY_NAME_LENGTH} characters`
          : 'is not a valid repository name (lowercase components joined by "/")';
      throw new ScopeError(text, `scope "${excerpt(text)}": repository "${excerpt(name)}" ${why}`);
    }
    return { type: 'repository', name, actions: parseRepositoryActions(text, actions) };
  }
  if (type === 'registry') {
    if (name !== 'catalog') {
      throw new ScopeError(text, `scope "${excerpt(text)}": the only registry resource is "catalog"`);
    }
    if (actions !== '*') {
      throw new ScopeError(text, `scope "${excerpt(text)}": registry:catalog takes the action "*" only`);
    }
    return { type: 'registry', name: 'catalog', actions: ['*'] };
  }
  if (type === '') throw new ScopeError(text, `scope "${excerpt(text)}" has an empty type`);
  throw new ScopeError(
    text,
    `scope "${excerpt(text)}" has unknown type "${excerpt(type)}" (expected repository or registry)`,
  );
}

/**
 * Parses every `scope` query value. Each value may hold several scopes separated by spaces (the
 * spec allows both that and repeated parameters); scopes for the same resource merge their actions,
 * in the order each resource was first named.
 */
export function parseScopes(values: readonly string[]): Scope[] {
  const byResource = new Map<string, Scope>();
  for (const value of values) {
    for (const text of value.split(' ')) {
      if (text === '') continue;
      const scope = parseScope(text);
      const key = `${scope.type}:${scope.name}`;
      const seen = byResource.get(key);
      if (seen === undefined) {
        byResource.set(key, scope);
      } else if (seen.type === 'repository' && scope.type === 'repository') {
        byResource.set(key, { ...seen, actions: orderActions([...seen.actions, ...scope.actions]) });
      }
      // registry:catalog:* merged with itself stays as it is.
    }
  }
  return [...byResource.values()];
}

export function formatScope(scope: Scope): string {
  return `${scope.type}:${scope.name}:${scope.actions.join(',')}`;
}
