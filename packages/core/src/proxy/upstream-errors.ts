import { OciError } from '@berth/oci';
import { UpstreamError, UpstreamUnavailableError } from '@berth/upstream';

/** Why the upstream (named when given: a project with several) could not be used, for Cache-Status and logs; undefined when it answered. */
export function unavailableReason(error: unknown, upstream?: string): string | undefined {
  if (!(error instanceof UpstreamUnavailableError)) return undefined;
  return upstream === undefined ? `upstream ${error.reason}` : `upstream ${upstream} ${error.reason}`;
}

/** The OCI error a client sees when the upstream failed and nothing cached can stand in. */
export function upstreamFailure(error: unknown, what: string): never {
  if (error instanceof UpstreamUnavailableError) {
    // Which upstream, which host and why (refused, DNS, TLS, timeout, a 5xx): what an operator acts on.
    const where = error.host !== undefined ? `${error.upstream} (${error.host})` : error.upstream;
    throw new OciError('UNAVAILABLE', `upstream ${where} unavailable: ${error.detail}; ${what} is not cached`, {
      detail: { upstream: error.upstream, ...(error.host !== undefined ? { host: error.host } : {}), reason: error.reason, error: error.detail },
      cause: error,
    });
  }
  if (error instanceof UpstreamError) {
    if (error.status < 400) {
      // The upstream answered, but with content that failed verification (digest, size): a bad gateway.
      throw new OciError('UNAVAILABLE', `the upstream sent ${what} with content that failed verification: ${error.ociError.message}`, { status: 502, cause: error });
    }
    // An upstream 401 is about Berth's credentials there, not the client's: passing it on would make
    // clients try to log in to Berth. (Docker Hub also answers 401 for repositories that do not exist.)
    if (error.ociError.code === 'UNAUTHORIZED' || error.ociError.code === 'DENIED') {
      throw new OciError('DENIED', `the upstream refused access to ${what}: ${error.ociError.message} (the repository may not exist upstream, or the project's upstream credentials lack access)`, { cause: error });
    }
    throw error.ociError;
  }
  throw error;
}
