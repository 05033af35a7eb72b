import { isValidProjectName, isValidRobotName, isValidUserName } from '@berth/auth';
import { AdminError, invalidInput } from '@berth/core';

/**
 * Checks the admin router makes before any service sees a request. A path parameter outside its
 * grammar names nothing (404, as for an absent one); text with a NUL cannot be stored (400). The
 * database would refuse either with an error of its own, which is not the client's answer.
 */

const PATH_NAMES: Readonly<Record<string, (value: string) => boolean>> = {
  project: isValidProjectName,
  user: isValidUserName,
  robot: isValidRobotName,
};

/** 404 NOT_FOUND for a `{project}`, `{user}` or `{robot}` no account or project can be named. */
export function checkPathNames(params: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(params)) {
    const valid = PATH_NAMES[name];
    if (valid !== undefined && !valid(value)) {
      throw new AdminError('NOT_FOUND', `no ${name} is named ${JSON.stringify(value)}: not a valid ${name} name`, { [name]: value });
    }
  }
}

/** 400 INVALID_INPUT naming the first field (or key) of a JSON body whose text holds a NUL. */
export function checkBodyText(body: unknown): void {
  const field = fieldWithNul(body, []);
  if (field !== null) throw invalidInput([{ field: field.join('.'), message: 'must not contain a NUL character (U+0000)' }]);
}

function fieldWithNul(value: unknown, path: readonly string[]): string[] | null {
  if (typeof value === 'string') return value.includes('\u0000') ? [...path] : null;
  if (typeof value !== 'object' || value === null) return null;
  for (const [key, item] of Object.entries(value)) {
    const at = [...path, key];
    if (key.includes('\u0000')) return at;
    const found = fieldWithNul(item, at);
    if (found !== null) return found;
  }
  return null;
}
