// The node-side mirror files that point a container runtime at Berth, as the end-to-end tests write
// them for ctr, containerd's resolver and podman (test/e2e/mirror-config.test.ts,
// test/e2e/containerd-referrers.test.ts), and as the Helm chart's node mirror must render them
// (test/deploy/helm.test.ts compares the two).

/** containerd's `<certs.d>/<registry>/hosts.toml`: `server` is the registry itself, `mirror` Berth. */
export function containerdHostsToml(options: { server: string; mirror: string; capabilities: readonly string[] }): string {
  const capabilities = options.capabilities.map((capability) => `"${capability}"`).join(', ');
  return [`server = "${options.server}"`, `[host."${options.mirror}"]`, `  capabilities = [${capabilities}]`, ''].join('\n');
}

/**
 * One `[[registry]]` of containers-registries.conf (podman, CRI-O): pulls of `prefix` go to `mirror`
 * first (host[:port]/<project>: containers/image sends no `ns`), then to `location`.
 */
export function registriesConfMirror(options: { prefix: string; location: string; insecure?: boolean; mirror: string; mirrorInsecure?: boolean }): string {
  return [
    '[[registry]]',
    `prefix = "${options.prefix}"`,
    `location = "${options.location}"`,
    ...(options.insecure === true ? ['insecure = true'] : []),
    '[[registry.mirror]]',
    `location = "${options.mirror}"`,
    ...(options.mirrorInsecure === true ? ['insecure = true'] : []),
    '',
  ].join('\n');
}
