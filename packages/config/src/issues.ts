import type * as z from 'zod';
import type { ConfigProblem } from './config-error.js';
import { fieldAt, formatPath } from './fields.js';
import { isRecord } from './records.js';

/** Where an environment variable put its value. */
export interface EnvSource {
  path: readonly string[];
  envVar: string;
}

const TYPE_NAMES: Record<string, string> = {
  int: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  string: 'a string',
  object: 'a mapping',
  array: 'a list',
};

/** A short description of an offending value; strings are cut short since any field could hold a secret. */
function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') {
    const shown = value.length > 40 ? `${value.slice(0, 40)}...` : value;
    return `the string ${JSON.stringify(shown)}`;
  }
  return String(value);
}

function quoteAll(values: readonly unknown[]): string {
  return values.map((value) => JSON.stringify(value)).join(', ');
}

/** Plain-language messages for the issues a configuration typically has; zod's own wording otherwise. */
export const configErrorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'required';
      return `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}, got ${describeValue(issue.input)}`;
    case 'invalid_value':
      return `must be ${issue.values.length === 1 ? '' : 'one of '}${quoteAll(issue.values)}`;
    case 'invalid_union': {
      const options: unknown = 'options' in issue ? issue.options : undefined;
      if (issue.discriminator !== undefined && Array.isArray(options)) {
        const expected = `must be ${options.length === 1 ? '' : 'one of '}${quoteAll(options)}`;
        // The issue's input is the whole item, not the discriminator.
        const missing = isRecord(issue.input) && issue.input[issue.discriminator] === undefined;
        return missing ? `required; ${expected}` : expected;
      }
      return undefined;
    }
    case 'too_small':
      if (issue.origin === 'string') return Number(issue.minimum) === 1 ? 'must not be empty' : `must be at least ${issue.minimum} characters`;
      return issue.inclusive === false ? `must be greater than ${issue.minimum}` : `must be at least ${issue.minimum}`;
    case 'too_big':
      if (issue.origin === 'string') return `must be at most ${issue.maximum} characters`;
      return issue.inclusive === false ? `must be less than ${issue.maximum}` : `must be at most ${issue.maximum}`;
    default:
      return undefined;
  }
};

function envVarFor(path: readonly PropertyKey[], sources: readonly EnvSource[]): string | undefined {
  let best: EnvSource | undefined;
  for (const source of sources) {
    const isPrefix = source.path.length <= path.length && source.path.every((key, index) => key === path[index]);
    // Later sources override earlier ones, so on a tie the later one set the value.
    if (isPrefix && (best === undefined || source.path.length >= best.path.length)) best = source;
  }
  return best?.envVar;
}

function problem(path: readonly PropertyKey[], message: string, sources: readonly EnvSource[]): ConfigProblem {
  const envVar = envVarFor(path, sources);
  return { path: formatPath(path), message, ...(envVar !== undefined ? { envVar } : {}) };
}

/** One problem per issue, and one per unknown key (with the keys that would have been valid). */
export function problemsFromIssues(issues: readonly z.core.$ZodIssue[], sources: readonly EnvSource[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = fieldAt(issue.path)?.children.map((field) => field.key) ?? [];
      const hint = known.length > 0 ? `; known settings here: ${known.join(', ')}` : '';
      for (const key of issue.keys) problems.push(problem([...issue.path, key], `unknown setting${hint}`, sources));
    } else {
      problems.push(problem(issue.path, issue.message, sources));
    }
  }
  return problems;
}
