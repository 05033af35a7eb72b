/**
 * Just enough of the Dockerfile grammar to check the repository's Dockerfile without an engine:
 * instructions (keyword + arguments), `\` line continuations, comment lines (also inside a
 * continuation, as Docker drops them), stages split at FROM, flags such as `--from=build`.
 */

export interface Instruction {
  /** Upper-cased: FROM, RUN, COPY, ... */
  keyword: string;
  /** Everything after the keyword, continuations joined with a space. */
  args: string;
  /** 1-based line the instruction starts on. */
  line: number;
}

export interface Stage {
  /** The `FROM <image>` reference: an image, or the name of an earlier stage. */
  base: string;
  /** The `AS <name>`, lower-cased (Docker compares stage names case-insensitively). */
  name: string | undefined;
  instructions: Instruction[];
}

export function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending: { parts: string[]; line: number } | undefined;
  text.split(/\r?\n/).forEach((raw, index) => {
    const trimmed = raw.trim();
    if (trimmed.startsWith('#') || (trimmed === '' && pending === undefined)) return;
    const continued = trimmed.endsWith('\\');
    const part = continued ? trimmed.slice(0, -1).trim() : trimmed;
    pending ??= { parts: [], line: index + 1 };
    if (part !== '') pending.parts.push(part);
    if (continued) return;
    const joined = pending.parts.join(' ');
    const match = /^(\S+)\s*(.*)$/.exec(joined);
    if (match !== null) instructions.push({ keyword: match[1]!.toUpperCase(), args: match[2]!, line: pending.line });
    pending = undefined;
  });
  if (pending !== undefined) throw new Error(`Dockerfile ends inside a line continuation (line ${pending.line})`);
  return instructions;
}

export function splitStages(instructions: readonly Instruction[]): Stage[] {
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const words = withoutFlags(instruction.args).words;
      const asIndex = words.findIndex((word) => word.toUpperCase() === 'AS');
      stages.push({ base: words[0] ?? '', name: asIndex >= 0 ? words[asIndex + 1]?.toLowerCase() : undefined, instructions: [] });
    } else {
      const current = stages[stages.length - 1];
      if (current === undefined) {
        if (instruction.keyword === 'ARG') continue; // ARGs before the first FROM are allowed
        throw new Error(`line ${instruction.line}: ${instruction.keyword} before the first FROM`);
      }
      current.instructions.push(instruction);
    }
  }
  return stages;
}

/** The stage and the stages it is built FROM, nearest first. */
export function lineage(stages: readonly Stage[], stage: Stage): Stage[] {
  const chain = [stage];
  for (let parent = byName(stages, stage.base); parent !== undefined; parent = byName(stages, parent.base)) {
    if (chain.includes(parent)) throw new Error(`stage cycle at ${parent.name ?? parent.base}`);
    chain.push(parent);
  }
  return chain;
}

export function byName(stages: readonly Stage[], name: string): Stage | undefined {
  return stages.find((stage) => stage.name !== undefined && stage.name === name.toLowerCase());
}

/** Leading `--flag=value` words split off the rest (`COPY --from=build a b`). */
export function withoutFlags(args: string): { flags: Map<string, string>; words: string[] } {
  const words = args.split(/\s+/).filter((word) => word !== '');
  const flags = new Map<string, string>();
  while (words[0]?.startsWith('--') === true) {
    const [key, value = ''] = words.shift()!.slice(2).split('=', 2) as [string, string?];
    flags.set(key, value);
  }
  return { flags, words };
}

/** CMD / ENTRYPOINT in exec (JSON) form; undefined for the shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.trim().startsWith('[')) return undefined;
  const parsed: unknown = JSON.parse(args);
  return Array.isArray(parsed) && parsed.every((item) => typeof item === 'string') ? parsed : undefined;
}
