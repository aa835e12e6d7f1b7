// Command flux210 is the test reference for Flux 2.10 artifact bytes. The flux2 2.10 CLI module
// is not available to the harness, but its `flux build artifact` and `flux push artifact` are
// thin wrappers over github.com/fluxcd/pkg/oci's Client.Build and Client.Push (see flux2 v2.9's
// cmd/flux/build_artifact.go and push_artifact.go), so this program calls pkg/oci v0.73.0 (the
// version source-controller v1.10.1 requires) the same way, with the same ignore defaults
// (sourceignore.ExcludeVCS + ExcludeExt), the same flag semantics, and is built with Go 1.27.
//
//	flux210 version
//	flux210 build -p PATH -o OUT.tgz [--ignore-paths=P]...
//	flux210 push oci://REPO[:TAG] -f PATH --source S --revision R [-a k=v]... [--reproducible]
//	        [--ignore-paths=P]... [--insecure-registry] [-o json]
//	flux210 artifact -f PATH --out DIR --source S --revision R [-a k=v]... [--reproducible]
//	        [--ignore-paths=P]...
//
// `artifact` runs Client.Push against an in-process registry (go-containerregistry's
// pkg/registry) and writes what was pushed to DIR: layer.tgz, config.json and manifest.json, the
// exact blobs, plus digest (the manifest digest). It needs no network, so fuzz tests can compare
// every byte of many artifacts quickly.
package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/fluxcd/pkg/oci"
	"github.com/fluxcd/pkg/sourceignore"
	"github.com/google/go-containerregistry/pkg/crane"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
)

// PkgOCIVersion is the pkg/oci version in go.mod (printed by `version` for install-tools.sh).
const PkgOCIVersion = "v0.73.0"

// excludeOCI is flux2's default for --ignore-paths.
var excludeOCI = append(strings.Split(sourceignore.ExcludeVCS, ","), strings.Split(sourceignore.ExcludeExt, ",")...)

type args struct {
	positional   []string
	path         string
	output       string
	out          string
	source       string
	revision     string
	annotations  []string
	ignorePaths  []string
	ignoreSet    bool
	reproducible bool
	insecure     bool
}

// readAsCSV splits one --ignore-paths value like pflag's StringSlice does.
func readAsCSV(val string) ([]string, error) {
	if val == "" {
		return []string{}, nil
	}
	return csv.NewReader(strings.NewReader(val)).Read()
}

func parse(argv []string) (*args, error) {
	a := &args{}
	for i := 0; i < len(argv); i++ {
		arg := argv[i]
		key, val, hasVal := strings.Cut(arg, "=")
		next := func() (string, error) {
			if hasVal {
				return val, nil
			}
			if i+1 >= len(argv) {
				return "", fmt.Errorf("flag %s needs a value", key)
			}
			i++
			return argv[i], nil
		}
		var err error
		switch key {
		case "-p", "-f", "--path":
			a.path, err = next()
		case "-o", "--output":
			a.output, err = next()
		case "--out":
			a.out, err = next()
		case "--source":
			a.source, err = next()
		case "--revision":
			a.revision, err = next()
		case "-a", "--annotations":
			var v string
			v, err = next()
			a.annotations = append(a.annotations, v)
		case "--ignore-paths":
			var v string
			if v, err = next(); err == nil {
				var parts []string
				if parts, err = readAsCSV(v); err == nil {
					if !a.ignoreSet {
						a.ignorePaths = []string{}
					}
					a.ignoreSet = true
					a.ignorePaths = append(a.ignorePaths, parts...)
				}
			}
		case "--reproducible":
			a.reproducible = true
		case "--insecure-registry":
			a.insecure = true
		default:
			if strings.HasPrefix(arg, "-") {
				return nil, fmt.Errorf("unknown flag %s", arg)
			}
			a.positional = append(a.positional, arg)
		}
		if err != nil {
			return nil, err
		}
	}
	if !a.ignoreSet {
		a.ignorePaths = excludeOCI
	}
	return a, nil
}

// metadata is push_artifact.go's annotation parsing and --reproducible handling.
func metadata(a *args) (oci.Metadata, error) {
	if a.source == "" {
		return oci.Metadata{}, fmt.Errorf("--source is required")
	}
	if a.revision == "" {
		return oci.Metadata{}, fmt.Errorf("--revision is required")
	}
	annotations := map[string]string{}
	for _, annotation := range a.annotations {
		kv := strings.Split(annotation, "=")
		if len(kv) != 2 {
			return oci.Metadata{}, fmt.Errorf("invalid annotation %s, must be in the format key=value", annotation)
		}
		annotations[kv[0]] = kv[1]
	}
	meta := oci.Metadata{Source: a.source, Revision: a.revision, Annotations: annotations}
	if a.reproducible {
		zeroTime := time.Unix(0, 0)
		meta.Created = zeroTime.Format(time.RFC3339)
	}
	return meta, nil
}

func run(argv []string) error {
	if len(argv) == 0 {
		return fmt.Errorf("usage: flux210 version|build|push|artifact ...")
	}
	cmd := argv[0]
	if cmd == "version" {
		fmt.Printf("flux210 pkg/oci %s %s\n", PkgOCIVersion, runtime.Version())
		return nil
	}
	a, err := parse(argv[1:])
	if err != nil {
		return err
	}
	if a.path == "" {
		return fmt.Errorf("invalid path %q", a.path)
	}
	if _, err := os.Stat(a.path); err != nil {
		return fmt.Errorf("invalid path '%s', must point to an existing directory or file", a.path)
	}
	ctx := context.Background()
	switch cmd {
	case "build":
		if a.output == "" {
			a.output = "artifact.tgz"
		}
		return oci.NewClient(oci.DefaultOptions()).Build(a.output, a.path, a.ignorePaths)
	case "push":
		if len(a.positional) != 1 {
			return fmt.Errorf("artifact URL is required")
		}
		url, err := oci.ParseArtifactURL(a.positional[0])
		if err != nil {
			return err
		}
		meta, err := metadata(a)
		if err != nil {
			return err
		}
		opts := oci.DefaultOptions()
		if a.insecure {
			opts = append(opts, crane.Insecure)
		}
		digestURL, err := oci.NewClient(opts).Push(ctx, url, a.path,
			oci.WithPushMetadata(meta), oci.WithPushIgnorePaths(a.ignorePaths...))
		if err != nil {
			return fmt.Errorf("pushing artifact failed: %w", err)
		}
		digest, err := name.NewDigest(digestURL)
		if err != nil {
			return err
		}
		if a.output == "json" {
			b, _ := json.MarshalIndent(map[string]string{"url": "oci://" + digestURL, "digest": digest.DigestStr()}, "", "  ")
			fmt.Println(string(b))
		} else {
			fmt.Fprintf(os.Stderr, "artifact successfully pushed to %s\n", digestURL)
		}
		return nil
	case "artifact":
		if a.out == "" {
			return fmt.Errorf("--out is required")
		}
		meta, err := metadata(a)
		if err != nil {
			return err
		}
		return artifact(ctx, a, meta)
	}
	return fmt.Errorf("unknown command %s", cmd)
}

// artifact pushes to an in-process registry and saves the pushed blobs.
func artifact(ctx context.Context, a *args, meta oci.Metadata) error {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	url := host + "/flux210/artifact:latest"
	digestURL, err := oci.NewClient(oci.DefaultOptions()).Push(ctx, url, a.path,
		oci.WithPushMetadata(meta), oci.WithPushIgnorePaths(a.ignorePaths...))
	if err != nil {
		return fmt.Errorf("pushing artifact failed: %w", err)
	}
	manifest, err := crane.Manifest(digestURL)
	if err != nil {
		return err
	}
	var m struct {
		Config struct{ Digest string } `json:"config"`
		Layers []struct{ Digest string } `json:"layers"`
	}
	if err := json.Unmarshal(manifest, &m); err != nil {
		return err
	}
	if err := os.MkdirAll(a.out, 0o755); err != nil {
		return err
	}
	config, err := crane.Config(digestURL)
	if err != nil {
		return err
	}
	layer, err := crane.PullLayer(host + "/flux210/artifact@" + m.Layers[0].Digest)
	if err != nil {
		return err
	}
	rc, err := layer.Compressed()
	if err != nil {
		return err
	}
	defer rc.Close()
	lf, err := os.Create(filepath.Join(a.out, "layer.tgz"))
	if err != nil {
		return err
	}
	if _, err := io.Copy(lf, rc); err != nil {
		return err
	}
	if err := lf.Close(); err != nil {
		return err
	}
	digest, _ := name.NewDigest(digestURL)
	for file, data := range map[string][]byte{
		"manifest.json": manifest,
		"config.json":   config,
		"digest":        []byte(digest.DigestStr()),
	} {
		if err := os.WriteFile(filepath.Join(a.out, file), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "✗", err)
		os.Exit(1)
	}
}
