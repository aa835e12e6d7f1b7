// Command fluxverify is the test judge for signature verification: it decides whether
// Flux's source-controller (v1.9.x, shipped in Flux v2.9.x) would accept the cosign
// signatures of an OCI artifact, by calling the cosign v3 library exactly the way
// source-controller's internal/oci/cosign package does (same CheckOpts, same order:
// bundle referrers first, then the legacy `.sig` tag).
//
// Behaviour re-implemented from fluxcd/source-controller (Apache-2.0):
// internal/oci/cosign/cosign.go (CosignVerifierFactory.NewCosignVerifier, Verify) and
// internal/controller/ocirepository_controller.go (verifySignature). Differences, all
// forced by the test environment and all equal to a Flux configuration:
//   - the trusted root comes from a file, which is Flux's `verify.trustedRootSecretRef`
//     branch (never the public TUF root);
//   - `--insecure` is Flux's `spec.insecure` (plain HTTP for referrer lookups);
//   - registry credentials come from the Docker config (DOCKER_CONFIG) or
//     FLUXVERIFY_USERNAME / FLUXVERIFY_PASSWORD instead of Kubernetes secrets.
//
// Usage:
//
//	fluxverify --image 127.0.0.1:5000/repo@sha256:... --trusted-root root.json \
//	  --identity 'issuer-regexp|subject-regexp' [--identity ...] [--public-key cosign.pub] [--insecure]
//
// Prints one line of JSON {"verified":bool,"format":"cosign-v3"|"cosign-v2"|"","error":string}
// and exits 0 when verified, 1 when not, 2 on usage errors.
package main

import (
	"bufio"
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	coptions "github.com/sigstore/cosign/v3/cmd/cosign/cli/options"
	"github.com/sigstore/cosign/v3/pkg/cosign"
	"github.com/sigstore/cosign/v3/pkg/oci"
	ociremote "github.com/sigstore/cosign/v3/pkg/oci/remote"
	rekorclient "github.com/sigstore/rekor/pkg/client"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"
)

type identityFlags []string

func (i *identityFlags) String() string     { return strings.Join(*i, ",") }
func (i *identityFlags) Set(v string) error { *i = append(*i, v); return nil }

type result struct {
	Verified bool   `json:"verified"`
	Format   string `json:"format"`
	Error    string `json:"error"`
}

func main() {
	var (
		image       = flag.String("image", "", "artifact reference, by digest")
		trustedRoot = flag.String("trusted-root", "", "Sigstore trusted_root.json (Flux verify.trustedRootSecretRef)")
		publicKey   = flag.String("public-key", "", "cosign public key PEM (Flux verify.secretRef *.pub)")
		insecure    = flag.Bool("insecure", false, "Flux spec.insecure: plain HTTP registry")
		timeout     = flag.Duration("timeout", 60*time.Second, "Flux spec.timeout")
		identities  identityFlags
	)
	flag.Var(&identities, "identity", "'issuer-regexp|subject-regexp' (Flux verify.matchOIDCIdentity entry); repeatable")
	regexpCheck := flag.Bool("regexp-check", false, "read {pattern,input} JSON lines on stdin, answer {ok,match,error} per line (Go regexp.Compile + MatchString, as Flux)")
	flag.Parse()

	if *regexpCheck {
		os.Exit(checkRegexps())
	}

	if *image == "" || (*trustedRoot == "" && *publicKey == "") {
		fmt.Fprintln(os.Stderr, "usage: fluxverify --image REF@sha256:... (--trusted-root FILE | --public-key FILE) [--identity 'ISSUER|SUBJECT']... [--insecure]")
		os.Exit(2)
	}

	res := run(*image, *trustedRoot, *publicKey, *insecure, *timeout, identities)
	out, _ := json.Marshal(res)
	fmt.Println(string(out))
	if !res.Verified {
		os.Exit(1)
	}
}

func run(image, trustedRootFile, publicKeyFile string, insecure bool, timeout time.Duration, identityArgs []string) result {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()

	// The controller parses spec.url with name.Insecure when spec.insecure is set.
	var refOpts []name.Option
	if insecure {
		refOpts = append(refOpts, name.Insecure)
	}
	ref, err := name.ParseReference(image, refOpts...)
	if err != nil {
		return result{Error: err.Error()}
	}

	var identities []cosign.Identity
	for _, arg := range identityArgs {
		issuer, subject, err := splitIdentity(arg)
		if err != nil {
			return result{Error: err.Error()}
		}
		identities = append(identities, cosign.Identity{IssuerRegExp: issuer, SubjectRegExp: subject})
	}

	// The controller's remote options: auth from its keychain, its transport, the context.
	rOpts := []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(keychain())}

	o := options{rOpt: rOpts, insecure: insecure}
	if publicKeyFile != "" {
		// verify.secretRef: the controller does not pass identities in this mode.
		if o.publicKey, err = os.ReadFile(publicKeyFile); err != nil {
			return result{Error: err.Error()}
		}
	} else {
		o.identities = identities
	}
	if trustedRootFile != "" {
		if o.trustedRoot, err = os.ReadFile(trustedRootFile); err != nil {
			return result{Error: err.Error()}
		}
	}

	v, err := newCosignVerifier(ctx, o)
	if err != nil {
		return result{Error: err.Error()}
	}
	verified, format, err := v.verify(ctx, ref)
	res := result{Verified: verified, Format: format}
	if err != nil {
		res.Error = err.Error()
	} else if !verified {
		res.Error = fmt.Sprintf("no matching signatures were found for '%s'", ref)
	}
	return res
}

// splitIdentity splits 'issuer|subject' at the first '|' that is outside parentheses,
// brackets and escapes, so subject regexps may use alternation freely.
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
	user, pass := os.Getenv("FLUXVERIFY_USERNAME"), os.Getenv("FLUXVERIFY_PASSWORD")
	if user != "" || pass != "" {
		return staticKeychain{authn.FromConfig(authn.AuthConfig{Username: user, Password: pass})}
	}
	return authn.DefaultKeychain
}

type staticKeychain struct{ a authn.Authenticator }

func (s staticKeychain) Resolve(authn.Resource) (authn.Authenticator, error) { return s.a, nil }

type options struct {
	publicKey   []byte
	rOpt        []remote.Option
	identities  []cosign.Identity
	trustedRoot []byte
	insecure    bool
}

type cosignVerifier struct {
	opts     *cosign.CheckOpts
	insecure bool
}

// newCosignVerifier follows CosignVerifierFactory.NewCosignVerifier: key mode first,
// then the custom-trusted-root keyless mode (the public TUF mode is never used here).
func newCosignVerifier(ctx context.Context, o options) (*cosignVerifier, error) {
	checkOpts := &cosign.CheckOpts{}
	checkOpts.NewBundleFormat = true

	ro := coptions.RegistryOptions{}
	co, err := ro.ClientOpts(ctx)
	if err != nil {
		return nil, err
	}
	checkOpts.Identities = o.identities
	if o.rOpt != nil {
		co = append(co, ociremote.WithRemoteOptions(o.rOpt...))
	}
	checkOpts.RegistryClientOpts = co

	if len(o.publicKey) > 0 {
		checkOpts.Offline = true
		checkOpts.IgnoreTlog = true // as Flux does (its own TODO calls this an oversight)
		pubKeyRaw, err := cryptoutils.UnmarshalPEMToPublicKey(o.publicKey)
		if err != nil {
			return nil, err
		}
		if checkOpts.SigVerifier, err = signature.LoadVerifier(pubKeyRaw, crypto.SHA256); err != nil {
			return nil, err
		}
		return &cosignVerifier{opts: checkOpts, insecure: o.insecure}, nil
	}

	if len(o.trustedRoot) == 0 {
		return nil, errors.New("a trusted root file is required for keyless verification")
	}
	customRoot, err := root.NewTrustedRootFromJSON(o.trustedRoot)
	if err != nil {
		return nil, fmt.Errorf("unable to parse trusted root: %w", err)
	}
	checkOpts.TrustedMaterial = customRoot
	rekorURL, err := rekorURLFromTrustedRoot(customRoot)
	if err != nil {
		return nil, fmt.Errorf("unable to extract Rekor URL from trusted root: %w", err)
	}
	checkOpts.RekorClient, err = rekorclient.GetRekorClient(rekorURL, rekorclient.WithUserAgent(coptions.UserAgent()))
	if err != nil {
		return nil, fmt.Errorf("unable to create Rekor client: %w", err)
	}
	return &cosignVerifier{opts: checkOpts, insecure: o.insecure}, nil
}

func rekorURLFromTrustedRoot(tr *root.TrustedRoot) (string, error) {
	logs := tr.RekorLogs()
	if len(logs) == 0 {
		return "", fmt.Errorf("no transparency log entries found in trusted root")
	}
	for _, log := range logs {
		if log.BaseURL != "" {
			return log.BaseURL, nil
		}
	}
	return "", fmt.Errorf("no transparency log entry with a BaseURL found in trusted root")
}

// verify follows CosignVerifier.Verify; the format tells which path decided.
func (v *cosignVerifier) verify(ctx context.Context, ref name.Reference) (bool, string, error) {
	var signatures []oci.Signature
	opts := *v.opts

	var nameOpts []name.Option
	if v.insecure {
		nameOpts = append(nameOpts, name.Insecure)
	}

	format := ""
	newBundles, _, err := cosign.GetBundles(ctx, ref, opts.RegistryClientOpts, nameOpts...)
	if len(newBundles) == 0 || err != nil {
		format = "cosign-v2"
		opts.NewBundleFormat = false
		signatures, _, err = cosign.VerifyImageSignatures(ctx, ref, &opts)
	} else {
		format = "cosign-v3"
		opts.NewBundleFormat = true
		signatures, _, err = cosign.VerifyImageAttestations(ctx, ref, &opts, nameOpts...)
	}
	if err != nil {
		return false, format, err
	}
	return len(signatures) > 0, format, nil
}

// checkRegexps answers, for each {"pattern","input"} line, what Go's regexp says: whether the
// pattern compiles and whether MatchString matches. Used to test our RE2 → JS translation.
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
