import { BoundedLru } from './bounded-lru.js';

/** A referrers answer as sent: the serialized image index and what its headers need. */
export interface RememberedReferrers {
  body: Buffer;
  filtered: boolean;
  next?: string;
}

interface Entry extends RememberedReferrers {
  /** The content version and upstream list it was computed from. */
  basis: string;
  at: number;
}

/**
 * The longest an answer is reused even with an unchanged basis: a bound on staleness should a
 * version change have been lost (Redis unreachable at the moment of a write).
 */
const MAX_AGE_MS = 60_000;

/**
 * Finished referrers answers of proxy projects in process memory (16 MiB), so a repeated GET is
 * neither a database query nor a merge. An entry is used only while its basis (the project's
 * content version and the cached upstream list's storedAt) is unchanged, for a minute at most.
 */
export class ReferrersMemory {
  private readonly answers = new BoundedLru<Entry>(16 * 1024 * 1024, (entry) => entry.body.byteLength);

  constructor(private readonly now: () => number = Date.now) {}

  get(key: string, basis: string): RememberedReferrers | undefined {
    const entry = this.answers.get(key);
    if (entry === undefined) return undefined;
    if (entry.basis === basis && this.now() - entry.at < MAX_AGE_MS) return entry;
    this.answers.delete(key);
    return undefined;
  }

  set(key: string, basis: string, answer: RememberedReferrers): void {
    this.answers.set(key, { ...answer, basis, at: this.now() });
  }
}
