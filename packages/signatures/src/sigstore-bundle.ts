import type { KeyObject } from 'node:crypto';
import { bundleFromJSON, type Bundle } from '@sigstore/bundle';
import { Verifier, toSignedEntity, type SignedEntity, type TrustMaterial as SigstoreTrustMaterial } from '@sigstore/verify';
import { z } from 'zod';
import { COSIGN_SIGN_PREDICATE, SIGSTORE_BUNDLE_PREFIX, type Descriptor } from './candidate-manifest.js';
import { checkEachLayer, type CheckContext, type CheckOutcome } from './check-outcome.js';
import type { SignatureCandidate } from './types.js';

/**
 * Sigstore bundles as `cosign sign --key` (v3, new bundle format) attaches them: a referrer whose layer
 * is a bundle holding a DSSE envelope around an in-toto statement whose subject is the image digest,
 * signed by the key the bundle hints at. @sigstore/bundle parses and validates the bundle and
 * @sigstore/verify checks the DSSE signature with each trusted key; no transparency log or timestamp
 * is required (as `cosign verify --key ... --insecure-ignore-tlog`), since the project trusts the key
 * itself. Keyless bundles (a Fulcio certificate) are out of scope and fail.
 */

const IN_TOTO_PAYLOAD = 'application/vnd.in-toto+json';
const IN_TOTO_STATEMENTS = new Set(['https://in-toto.io/Statement/v1', 'https://in-toto.io/Statement/v0.1']);

const statementSchema = z.object({
  _type: z.string(),
  subject: z.array(z.object({ digest: z.record(z.string(), z.string()) })).max(1000),
  predicateType: z.string(),
});

/** @sigstore/verify's trust material holding one key, with no logs, CAs or timestamp authorities. */
function keyOnlyTrust(key: KeyObject): SigstoreTrustMaterial {
  return {
    certificateAuthorities: [],
    timestampAuthorities: [],
    tlogs: [],
    ctlogs: [],
    // The bundle's hint only names the key; whichever trusted key verifies the signature is the signer.
    publicKey: () => ({ publicKey: key, validFor: () => true }),
  };
}

function verifierFor(key: KeyObject): Verifier {
  return new Verifier(keyOnlyTrust(key), { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 });
}

function parseBundle(bytes: Uint8Array): Bundle | string {
  try {
    return bundleFromJSON(JSON.parse(Buffer.from(bytes).toString('utf8')));
  } catch {
    return 'the layer is not a valid sigstore bundle';
  }
}

/** Why the statement does not bind the signature to `subject`, or undefined when it does. */
function statementProblem(payload: Buffer, subject: string): string | undefined {
  let statement: z.infer<typeof statementSchema>;
  try {
    statement = statementSchema.parse(JSON.parse(payload.toString('utf8')));
  } catch {
    return 'the bundle’s payload is not an in-toto statement';
  }
  if (!IN_TOTO_STATEMENTS.has(statement._type)) return 'the bundle’s payload is not an in-toto statement';
  if (statement.predicateType !== COSIGN_SIGN_PREDICATE) return `the bundle is an attestation (${statement.predicateType}), not a signature`;
  const hex = subject.slice('sha256:'.length);
  if (!statement.subject.some((entry) => entry.digest.sha256 === hex)) return 'the bundle’s statement is for another manifest digest';
  return undefined;
}

async function checkLayer(layer: Descriptor, candidate: SignatureCandidate, { trust, subject }: CheckContext): Promise<CheckOutcome> {
  const bundle = parseBundle(await candidate.readBlob(layer.digest));
  if (typeof bundle === 'string') return { passed: false, reason: bundle };
  if (bundle.verificationMaterial.content.$case !== 'publicKey') {
    return { passed: false, reason: 'keyless bundles (signed with a Fulcio certificate) are not supported; sign with a key the project trusts' };
  }
  if (bundle.content.$case !== 'dsseEnvelope') {
    return { passed: false, reason: 'message-signature bundles are not supported for images (cosign signs images with a DSSE statement)' };
  }
  const envelope = bundle.content.dsseEnvelope;
  if (envelope.payloadType !== IN_TOTO_PAYLOAD) return { passed: false, reason: `the bundle’s payload type is ${envelope.payloadType}, not an in-toto statement` };
  const problem = statementProblem(envelope.payload, subject);
  if (problem !== undefined) return { passed: false, reason: problem };
  if (trust.cosignKeys.length === 0) return { passed: false, reason: 'no cosign keys are trusted' };
  let entity: SignedEntity;
  try {
    // Transparency-log entries and timestamps are not checked (no Rekor or TSA trust here): drop them.
    entity = { ...toSignedEntity(bundle), tlogEntries: [], timestamps: [] };
  } catch {
    return { passed: false, reason: 'the sigstore bundle does not parse' };
  }
  for (const { name, key } of trust.cosignKeys) {
    try {
      verifierFor(key).verify(entity);
      return { passed: true, signer: name, reason: `sigstore bundle verified with key ${name}` };
    } catch {
      // Not this key; try the next.
    }
  }
  return { passed: false, reason: 'the bundle’s signature does not verify with any trusted cosign key' };
}

export const checkSigstoreBundle = checkEachLayer((type) => type.startsWith(SIGSTORE_BUNDLE_PREFIX), checkLayer);
