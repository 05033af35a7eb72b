/** The upstream body was longer or shorter than the size it declared: the content is not trusted. */
export class BlobSizeMismatchError extends Error {
  constructor(
    readonly digest: string,
    readonly declared: number,
    readonly received: number,
  ) {
    const amount = received > declared ? `at least ${received}` : String(received);
    super(`blob ${digest}: upstream declared ${declared} bytes but sent ${amount}`);
    this.name = 'BlobSizeMismatchError';
  }
}

/** Another replica held the fill lock and the blob did not appear in the store in time. */
export class FillWaitTimeoutError extends Error {
  constructor(
    readonly digest: string,
    readonly waitedMs: number,
  ) {
    super(`blob ${digest}: another replica's fill did not finish within ${waitedMs} ms`);
    this.name = 'FillWaitTimeoutError';
  }
}

/** The fill lock could not be asked (its service, e.g. Redis, is unreachable): no fill is started. */
export class FillLockUnavailableError extends Error {
  constructor(readonly digest: string, cause: unknown) {
    super(`blob ${digest}: the fill lock is unavailable (${cause instanceof Error ? cause.message : String(cause)})`, { cause });
    this.name = 'FillLockUnavailableError';
  }
}
