// Command fluxjudge is the test judge for signature verification: the real Flux verifier.
//
// It is NOT built from this directory. scripts/install-tools.sh copies the module of
// github.com/fluxcd/source-controller (a pinned release, from the Go module proxy) into
// .tools/build/, puts this file at cmd/fluxjudge/main.go inside that copy and builds it
// there, so that it can import source-controller's internal packages. The verification is
// then source-controller's own code (internal/oci/cosign: CosignVerifierFactory,
// NewCosignVerifier, Verify), not an imitation.
//
// What this file re-does, because it lives in unexported methods of OCIRepositoryReconciler
// (internal/controller/ocirepository_controller.go of fluxcd/source-controller, Apache-2.0):
//   - parseRepository/getArtifactRef/getRevision/digestFromRevision: the reference is parsed
//     with name.Insecure when spec.insecure is set, a tag is resolved to its digest (HEAD, then
//     GET) and verification runs on repository@digest;
//   - makeRemoteOptions: remote.WithContext, WithUserAgent, WithTransport, WithAuthFromKeychain;
//   - verifySignature ("cosign" provider): the options WithRemoteOptions, WithInsecure,
//     WithTLSConfig, then WithTrustedRoot when verify.trustedRootSecretRef is set; with
//     verify.secretRef one verifier per `*.pub` entry of the Secret (a map, so in Go's random
//     order), errors skipped, first success wins; otherwise WithIdentities from
//     verify.matchOIDCIdentity in order. Same error texts.
//
// Test-environment stand-ins, each equal to a Flux configuration: Secret contents come from
// files, registry credentials from DOCKER_CONFIG or FLUXJUDGE_USERNAME/FLUXJUDGE_PASSWORD (the
// keychain of spec.secretRef), the transport is http.DefaultTransport's clone (no certSecretRef).
//
// Usage:
//
//	fluxjudge --image HOST/REPO:TAG|HOST/REPO@sha256:... (--trusted-root trusted_root.json |
//	  --public-key NAME.pub ...) [--identity 'issuer-regexp|subject-regexp']... [--insecure]
//	fluxjudge --regexp-check     (stdin: {pattern,input} JSON lines; Go regexp answers)
//	fluxjudge --about            (source-controller version and module substitutions)
//
// Prints one line of JSON {"verified","format","digest","error","sourceController",
// "substitutions"} and exits 0 when verified, 1 when not, 2 on usage errors. "format" is the
// path Verify took (cosign-v3: a bundle was found by cosign.GetBundles; cosign-v2: the .sig
// tag), observed by calling GetBundles with the verifier's own registry options.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	coptions "github.com/sigstore/cosign/v3/cmd/cosign/cli/options"
	"github.com/sigstore/cosign/v3/pkg/cosign"
	ociremote "github.com/sigstore/cosign/v3/pkg/oci/remote"

	soci "github.com/fluxcd/source-controller/internal/oci"
	scosign "github.com/fluxcd/source-controller/internal/oci/cosign"
)

// Set at build time (-ldflags -X) by scripts/install-tools.sh.
var (
	sourceController = "unknown"
	substitutions    = ""
)

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

type result struct {
	Verified         bool   `json:"verified"`
	Format           string `json:"format"`
	Digest           string `json:"digest"`
	Error            string `json:"error"`
	SourceController string `json:"sourceController"`
	Substitutions    string `json:"substitutions"`
}

func main() {
	var (
		image       = flag.String("image", "", "artifact reference (tag or digest)")
		trustedRoot = flag.String("trusted-root", "", "trusted_root.json (verify.trustedRootSecretRef)")
		insecure    = flag.Bool("insecure", false, "spec.insecure: plain HTTP registry")
		timeout     = flag.Duration("timeout", 60*time.Second, "spec.timeout")
		regexpCheck = flag.Bool("regexp-check", false, "answer {pattern,input} JSON lines with Go regexp")
		about       = flag.Bool("about", false, "print the source-controller version and substitutions")
		identities  multiFlag
		publicKeys  multiFlag
	)
	flag.Var(&identities, "identity", "'issuer-regexp|subject-regexp' (a verify.matchOIDCIdentity entry); repeatable")
	flag.Var(&publicKeys, "public-key", "a *.pub entry of verify.secretRef (file name = key name); repeatable")
	flag.Parse()

	switch {
	case *regexpCheck:
		os.Exit(checkRegexps())
	case *about:
		out, _ := json.Marshal(result{SourceController: sourceController, Substitutions: substitutions})
		fmt.Println(string(out))
		return
	}
	if *image == "" || (*trustedRoot == "" && len(publicKeys) == 0) {
		fmt.Fprintln(os.Stderr, "usage: fluxjudge --image REF (--trusted-root FILE | --public-key FILE...) [--identity 'ISSUER|SUBJECT']... [--insecure]")
		os.Exit(2)
	}
	res := run(*image, *trustedRoot, publicKeys, *insecure, *timeout, identities)
	res.SourceController, res.Substitutions = sourceController, substitutions
	out, _ := json.Marshal(res)
	fmt.Println(string(out))
	if !res.Verified {
		os.Exit(1)
	}
}

func run(image, trustedRootFile string, publicKeyFiles []string, insecure bool, timeout time.Duration, identityArgs []string) result {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()

	var nameOpts []name.Option
	if insecure {
		nameOpts = append(nameOpts, name.Insecure)
	}
	ref, err := name.ParseReference(image, nameOpts...)
	if err != nil {
		return result{Error: err.Error()}
	}

	transport := http.DefaultTransport.(*http.Transport).Clone()
	rOpts := []remote.Option{
		remote.WithContext(ctx),
		remote.WithUserAgent("flux/v2"),
		remote.WithTransport(transport),
		remote.WithAuthFromKeychain(keychain()),
	}

	// getRevision + digestFromRevision: verification always runs on the digest.
	var digest string
	switch r := ref.(type) {
	case name.Digest:
		digest = r.DigestStr()
	case name.Tag:
		if desc, err := remote.Head(r, rOpts...); err == nil {
			digest = desc.Digest.String()
		} else {
			rdesc, err := remote.Get(r, rOpts...)
			if err != nil {
				return result{Error: fmt.Sprintf("failed to determine artifact digest: %s", err)}
			}
			digest = rdesc.Descriptor.Digest.String()
		}
	}
	digestRef := ref.Context().Digest(digest)
	res := result{Digest: digest, Format: observeFormat(ctx, digestRef, rOpts, nameOpts)}

	// verifySignature, provider "cosign".
	opts := []scosign.Options{
		scosign.WithRemoteOptions(rOpts...),
		scosign.WithInsecure(insecure),
		scosign.WithTLSConfig(transport.TLSClientConfig),
	}
	if trustedRootFile != "" {
		data, err := os.ReadFile(trustedRootFile)
		if err != nil {
			res.Error = err.Error()
			return res
		}
		opts = append(opts, scosign.WithTrustedRoot(data))
	}
	factory := scosign.NewCosignVerifierFactory()

	if len(publicKeyFiles) > 0 {
		secret := map[string][]byte{}
		for _, f := range publicKeyFiles {
			data, err := os.ReadFile(f)
			if err != nil {
				res.Error = err.Error()
				return res
			}
			secret[filepath.Base(f)] = data
		}
		verified := soci.VerificationResultFailed
		for k, data := range secret {
			if !strings.HasSuffix(k, ".pub") {
				continue
			}
			verifier, err := factory.NewCosignVerifier(ctx, append(opts, scosign.WithPublicKey(data))...)
			if err != nil {
				res.Error = err.Error()
				return res
			}
			r, err := verifier.Verify(ctx, digestRef)
			if err != nil || r == soci.VerificationResultFailed {
				continue
			}
			if r == soci.VerificationResultSuccess {
				verified = r
				break
			}
		}
		if verified == soci.VerificationResultFailed {
			res.Error = fmt.Sprintf("no matching signatures were found for '%s'", digestRef)
			return res
		}
		res.Verified = true
		return res
	}

	var ids []cosign.Identity
	for _, arg := range identityArgs {
		issuer, subject, err := splitIdentity(arg)
		if err != nil {
			res.Error = err.Error()
			return res
		}
		ids = append(ids, cosign.Identity{IssuerRegExp: issuer, SubjectRegExp: subject})
	}
	opts = append(opts, scosign.WithIdentities(ids))
	verifier, err := factory.NewCosignVerifier(ctx, opts...)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	r, err := verifier.Verify(ctx, digestRef)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	if r == soci.VerificationResultFailed {
		res.Error = fmt.Sprintf("no matching signatures were found for '%s'", digestRef)
		return res
	}
	res.Verified = true
	return res
}

// observeFormat tells which path CosignVerifier.Verify takes: it calls cosign.GetBundles
// with the registry options NewCosignVerifier builds (RegistryOptions.ClientOpts plus the
// remote options), the same test Verify makes.
func observeFormat(ctx context.Context, ref name.Reference, rOpts []remote.Option, nameOpts []name.Option) string {
	co, err := (&coptions.RegistryOptions{}).ClientOpts(ctx)
	if err != nil {
		return ""
	}
	co = append(co, ociremote.WithRemoteOptions(rOpts...))
	bundles, _, err := cosign.GetBundles(ctx, ref, co, nameOpts...)
	if len(bundles) == 0 || err != nil {
		return "cosign-v2"
	}
	return "cosign-v3"
}

// splitIdentity splits 'issuer|subject' at the first '|' outside parentheses, brackets and
// escapes, so subject regexps may use alternation freely.
func splitIdentity(arg string) (string, string, error) {
	depth, inClass := 0, false
	for i := 0; i < len(arg); i++ {
		switch c := arg[i]; {
		case c == '\\':
			i++
		case inClass:
			if c == ']' {
				inClass = false
			}
		case c == '[':
			inClass = true
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == '|' && depth == 0:
			return arg[:i], arg[i+1:], nil
		}
	}
	return "", "", fmt.Errorf("--identity %q: expected 'issuer-regexp|subject-regexp'", arg)
}

func keychain() authn.Keychain {
	user, pass := os.Getenv("FLUXJUDGE_USERNAME"), os.Getenv("FLUXJUDGE_PASSWORD")
	if user != "" || pass != "" {
		return staticKeychain{authn.FromConfig(authn.AuthConfig{Username: user, Password: pass})}
	}
	return authn.DefaultKeychain
}

type staticKeychain struct{ a authn.Authenticator }

func (s staticKeychain) Resolve(authn.Resource) (authn.Authenticator, error) { return s.a, nil }

// checkRegexps answers, for each {"pattern","input"} line, what Go's regexp says (Compile,
// MatchString), as Flux and cosign use it. Tests our RE2 → JS translation.
func checkRegexps() int {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1024*1024), 1024*1024)
	out := json.NewEncoder(os.Stdout)
	for in.Scan() {
		var q struct {
			Pattern string `json:"pattern"`
			Input   string `json:"input"`
		}
		if err := json.Unmarshal(in.Bytes(), &q); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		re, err := regexp.Compile(q.Pattern)
		if err != nil {
			_ = out.Encode(map[string]any{"ok": false, "match": false, "error": err.Error()})
			continue
		}
		_ = out.Encode(map[string]any{"ok": true, "match": re.MatchString(q.Input), "error": ""})
	}
	return 0
}
