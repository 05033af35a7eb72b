import { describe, it, expect } from '@jest/globals';
import { OciError } from '@berth/oci';
import { assertPushAllowed, isReferrerTag } from './push-policy.js';

const hex = 'a'.repeat(64);

function denied(run: () => void): string {
  try {
    run();
  } catch (error) {
    if (error instanceof OciError && error.code === 'DENIED') return error.message;
    throw error;
  }
  throw new Error('expected DENIED');
}

describe('push policy of proxy projects', () => {
  it('knows referrers and cosign tags', () => {
    expect(isReferrerTag(`sha256-${hex}`)).toBe(true);
    expect(isReferrerTag(`sha256-${hex}.sig`)).toBe(true);
    expect(isReferrerTag(`sha256-${hex}.att`)).toBe(true);
    expect(isReferrerTag(`sha256-${hex}.sbom`)).toBe(true);
    expect(isReferrerTag(`sha256-${hex}.txt`)).toBe(false);
    expect(isReferrerTag('latest')).toBe(false);
    expect(isReferrerTag(`sha256-${hex.slice(1)}`)).toBe(false);
  });

  it('referrers: blobs, manifests with a subject, referrers tags; nothing else', () => {
    expect(() => assertPushAllowed('hub', 'referrers', { kind: 'blob' })).not.toThrow();
    expect(() => assertPushAllowed('hub', 'referrers', { kind: 'manifest', subject: `sha256:${hex}`, tags: [] })).not.toThrow();
    expect(() => assertPushAllowed('hub', 'referrers', { kind: 'manifest', subject: undefined, tags: [`sha256-${hex}.sig`] })).not.toThrow();
    expect(denied(() => assertPushAllowed('hub', 'referrers', { kind: 'manifest', subject: undefined, tags: [] }))).toMatch(/push policy "referrers"/);
    expect(denied(() => assertPushAllowed('hub', 'referrers', { kind: 'manifest', subject: `sha256:${hex}`, tags: ['v1'] }))).toMatch(/tag v1/);
  });

  it('none refuses everything, all admits everything', () => {
    expect(denied(() => assertPushAllowed('hub', 'none', { kind: 'blob' }))).toMatch(/push policy "none"/);
    expect(() => assertPushAllowed('hub', 'all', { kind: 'manifest', subject: undefined, tags: ['v1'] })).not.toThrow();
  });
});
