// containerd-referrers resolves an image with containerd 2's registry resolver (core/remotes/docker)
// configured from a hosts.toml directory (config_path style), then lists the image's referrers with
// the resolver's referrers fetcher (FetchReferrers). It prints one JSON object on stdout:
// {"digest": "<resolved digest>", "referrers": [<descriptors>]}. Test tooling for Berth only.
//
// Usage: containerd-referrers -hosts-dir DIR [-artifact-type TYPE]... REF
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/containerd/containerd/v2/core/remotes"
	"github.com/containerd/containerd/v2/core/remotes/docker"
	"github.com/containerd/containerd/v2/core/remotes/docker/config"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

type artifactTypes []string

func (a *artifactTypes) String() string     { return strings.Join(*a, ",") }
func (a *artifactTypes) Set(v string) error { *a = append(*a, v); return nil }

type output struct {
	Digest    string               `json:"digest"`
	Referrers []ocispec.Descriptor `json:"referrers"`
}

func main() {
	hostsDir := flag.String("hosts-dir", "", "directory of <host>/hosts.toml files (containerd's config_path)")
	var types artifactTypes
	flag.Var(&types, "artifact-type", "only referrers of this artifactType (repeatable)")
	flag.Parse()
	if *hostsDir == "" || flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: containerd-referrers -hosts-dir DIR [-artifact-type TYPE]... REF")
		os.Exit(2)
	}
	if err := run(context.Background(), *hostsDir, flag.Arg(0), types); err != nil {
		fmt.Fprintln(os.Stderr, "containerd-referrers:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, hostsDir, ref string, types []string) error {
	resolver := docker.NewResolver(docker.ResolverOptions{
		Hosts: config.ConfigureHosts(ctx, config.HostOptions{HostDir: config.HostDirFromRoot(hostsDir)}),
	})
	name, desc, err := resolver.Resolve(ctx, ref)
	if err != nil {
		return fmt.Errorf("resolve %s: %w", ref, err)
	}
	fetcher, err := resolver.Fetcher(ctx, name)
	if err != nil {
		return fmt.Errorf("fetcher for %s: %w", name, err)
	}
	referrers, ok := fetcher.(remotes.ReferrersFetcher)
	if !ok {
		return fmt.Errorf("the resolver's fetcher has no FetchReferrers")
	}
	var opts []remotes.FetchReferrersOpt
	if len(types) > 0 {
		opts = append(opts, remotes.WithReferrerArtifactTypes(types...))
	}
	list, err := referrers.FetchReferrers(ctx, desc.Digest, opts...)
	if err != nil {
		return fmt.Errorf("referrers of %s: %w", desc.Digest, err)
	}
	if list == nil {
		list = []ocispec.Descriptor{}
	}
	return json.NewEncoder(os.Stdout).Encode(output{Digest: desc.Digest.String(), Referrers: list})
}
