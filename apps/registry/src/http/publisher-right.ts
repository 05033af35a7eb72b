import type { Response } from 'express';

/**
 * Whether the caller may push to the repository a /v2 request names, asked only when needed (the
 * signature policy asks it for an image without a trusted signature). Set by the /v2 guard from
 * what it established: the Basic or anonymous caller's rights, or a bearer token's subject's
 * (not the token's scope: signing tools read the image with a pull-only token before they push the
 * signature). Without authentication nobody is established, so nobody counts as a publisher.
 */
export type PublisherRight = () => Promise<boolean>;

const KEY = 'berthPublisherRight';

export function setPublisherRight(res: Response, right: PublisherRight): void {
  res.locals[KEY] = right;
}

export function publisherRightOf(res: Response): PublisherRight {
  return (res.locals[KEY] as PublisherRight | undefined) ?? (async () => false);
}
