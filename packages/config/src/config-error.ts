/** One thing wrong with the configuration. */
export interface ConfigProblem {
  /** The setting (`server.port`, `projects[1].name`), or the file, argument or variable at fault. */
  path: string;
  message: string;
  /** The environment variable the offending value came from, when it came from one. */
  envVar?: string;
}

export function formatProblem(problem: ConfigProblem): string {
  const source = problem.envVar !== undefined ? ` (from ${problem.envVar})` : '';
  return `${problem.path}: ${problem.message}${source}`;
}

/** Invalid configuration. The message lists every problem found, one `<path>: <reason>` per line. */
export class ConfigError extends Error {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
