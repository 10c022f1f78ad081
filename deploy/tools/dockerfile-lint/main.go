// Command dockerfile-lint runs BuildKit's Dockerfile checks, the rules behind
// `docker build --check`, without a Docker engine or a registry: the base images' configs are
// stubbed, so the whole file is parsed and converted as a build would, offline.
//
// Usage: dockerfile-lint PATH/TO/Dockerfile [BUILD_ARG=VALUE ...]
//
// It prints one line per finding and exits 1 when there is any (warnings included), 2 when the
// file cannot be read.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strings"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"github.com/moby/buildkit/frontend/dockerui"
	digest "github.com/opencontainers/go-digest"
)

// offlineResolver answers every base image lookup with a minimal Linux image config, so the
// checks run where no registry is reachable. Rules that depend on a base image's real
// environment (an ENV it defines) see only PATH.
type offlineResolver struct{}

func (offlineResolver) ResolveImageConfig(_ context.Context, ref string, _ sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	config := map[string]any{
		"architecture": runtime.GOARCH,
		"os":           "linux",
		"config": map[string]any{
			"Env": []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
		},
		"rootfs": map[string]any{
			"type":     "layers",
			"diff_ids": []string{digest.FromString(ref).String()},
		},
	}
	dt, err := json.Marshal(config)
	return ref, "", dt, err
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: dockerfile-lint PATH/TO/Dockerfile [BUILD_ARG=VALUE ...]")
		os.Exit(2)
	}
	path := os.Args[1]
	dt, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "dockerfile-lint: %v\n", err)
		os.Exit(2)
	}
	buildArgs := map[string]string{}
	for _, kv := range os.Args[2:] {
		k, v, _ := strings.Cut(kv, "=")
		buildArgs[k] = v
	}

	ctx := context.Background()
	// The lint results carry the source as an LLB definition; an empty one is enough.
	source := llb.Scratch()
	definition, err := source.Marshal(ctx)
	if err != nil {
		fmt.Fprintf(os.Stderr, "dockerfile-lint: %v\n", err)
		os.Exit(2)
	}
	sourceMap := llb.NewSourceMap(&source, path, "Dockerfile", dt)
	sourceMap.Definition = definition

	results, err := dockerfile2llb.DockerfileLint(ctx, dt, dockerfile2llb.ConvertOpt{
		Config:       dockerui.Config{BuildArgs: buildArgs},
		MetaResolver: offlineResolver{},
		SourceMap:    sourceMap,
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "dockerfile-lint: %v\n", err)
		os.Exit(1)
	}
	findings := 0
	for _, w := range results.Warnings {
		line := 0
		if len(w.Location.Ranges) > 0 {
			line = int(w.Location.Ranges[0].Start.Line)
		}
		fmt.Printf("%s:%d: %s: %s (%s)\n", path, line, w.RuleName, w.Detail, w.URL)
		findings++
	}
	if results.Error != nil {
		fmt.Printf("%s: error: %s\n", path, results.Error.Message)
		findings++
	}
	if findings > 0 {
		os.Exit(1)
	}
	fmt.Printf("%s: no findings\n", path)
}
