/**
 * The fields error-inspecting code reads from whatever was thrown: Node system errors, driver
 * errors with causes, and AggregateError (a connection attempt to each address of a host).
 */
export interface ErrorLike {
  message?: unknown;
  code?: unknown;
  cause?: unknown;
  errors?: unknown;
}

/** `value` as an ErrorLike when it is an object, else undefined. */
export function asErrorLike(value: unknown): ErrorLike | undefined {
  return value !== null && typeof value === 'object' ? (value as ErrorLike) : undefined;
}
