import { OciError } from './errors.js';
import type { OciErrorCode } from './errors.js';
import { parseDigest } from './digest.js';
import type { DigestAlgorithm } from './digest.js';

/** Distribution spec v1.1 repository name grammar: components joined by "/". */
const REPOSITORY_NAME = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
/** The spec's practical limit is 255 for `host[:port]/name`; Berth's names carry no host, so 255 applies to the name. */
export const MAX_REPOSITORY_NAME_LENGTH = 255;

const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
export const MAX_TAG_LENGTH = 128;

function excerpt(value: string): string {
  return value.length > 300 ? `${value.slice(0, 300)}...` : value;
}

export function isRepositoryName(name: string): boolean {
  return typeof name === 'string' && name.length <= MAX_REPOSITORY_NAME_LENGTH && REPOSITORY_NAME.test(name);
}

export function assertRepositoryName(name: string): void {
  if (typeof name !== 'string' || name.length > MAX_REPOSITORY_NAME_LENGTH) {
    throw new OciError('NAME_INVALID', `repository name must be at most ${MAX_REPOSITORY_NAME_LENGTH} characters`, {
      detail: { name: excerpt(String(name)) },
    });
  }
  if (!REPOSITORY_NAME.test(name)) {
    throw new OciError('NAME_INVALID', 'invalid repository name', { detail: { name: excerpt(name) } });
  }
}

/** The project a repository belongs to: its first path component ("library" for "library/alpine"). */
export function projectOf(name: string): string {
  assertRepositoryName(name);
  const slash = name.indexOf('/');
  return slash === -1 ? name : name.slice(0, slash);
}

export function isTag(tag: string): boolean {
  return typeof tag === 'string' && TAG.test(tag);
}

/**
 * The spec's error table has no TAG_INVALID, so a bad tag is reported by what the request
 * was doing: MANIFEST_INVALID (400) when pushing or tagging, the default; MANIFEST_UNKNOWN
 * (404) when reading, because no manifest can exist under a name that cannot be a tag.
 */
export function assertTag(tag: string, code: Extract<OciErrorCode, 'MANIFEST_INVALID' | 'MANIFEST_UNKNOWN'> = 'MANIFEST_INVALID'): void {
  if (!isTag(tag)) {
    throw new OciError(code, 'invalid tag', { detail: { tag: excerpt(String(tag)) } });
  }
}

export type Reference =
  | { kind: 'tag'; tag: string }
  | { kind: 'digest'; digest: string; algorithm: DigestAlgorithm; hex: string };

/** What the request does with the reference; decides the error code of an invalid one. */
export type ReferenceUse = 'pull' | 'push';

/**
 * Parses the `<reference>` of `/v2/<name>/manifests/<reference>`: a digest when it contains ":"
 * (tags cannot), else a tag. Invalid references fail with:
 * - pull (GET/HEAD/DELETE, the default): MANIFEST_UNKNOWN, 404; nothing can be stored under it;
 * - push (PUT): DIGEST_INVALID for a bad or unsupported digest, MANIFEST_INVALID for a bad tag.
 */
export function parseReference(ref: string, use: ReferenceUse = 'pull'): Reference {
  if (typeof ref === 'string' && ref.includes(':')) {
    try {
      const { digest, algorithm, hex } = parseDigest(ref);
      return { kind: 'digest', digest, algorithm, hex };
    } catch (error) {
      if (use === 'push') throw error;
      throw new OciError('MANIFEST_UNKNOWN', 'invalid manifest reference', {
        detail: { reference: excerpt(ref) },
        cause: error,
      });
    }
  }
  assertTag(ref, use === 'push' ? 'MANIFEST_INVALID' : 'MANIFEST_UNKNOWN');
  return { kind: 'tag', tag: ref };
}
