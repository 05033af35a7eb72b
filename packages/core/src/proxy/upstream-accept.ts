import { DOCKER_MANIFEST_LIST, DOCKER_MANIFEST_V2, OCI_IMAGE_INDEX, OCI_IMAGE_MANIFEST } from '@berth/oci';

/**
 * Berth always asks the upstream for every modern manifest type, whatever the client sent, so a
 * tag caches as the same bytes (an index stays an index) for every client.
 */
export const UPSTREAM_MANIFEST_ACCEPT: readonly string[] = [OCI_IMAGE_INDEX, OCI_IMAGE_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_MANIFEST_V2];
