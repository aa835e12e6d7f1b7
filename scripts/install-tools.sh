#!/usr/bin/env bash
# Installs the pinned tools the tests need into $REPO/.tools (gitignored):
#   .tools/bin/{flux,crane,oras,cosign2,cosign3,node24,actionlint,fluxjudge-1.9,fluxjudge-1.10}, plus Debian packages
#   (docker-registry, apache2-utils for htpasswd, git, jq).
# Versions live in test/tools/pins.env. Idempotent: a tool is rebuilt only when its
# stamp (version + inputs) changed or its binary is missing. Go tools come from the
# Go module proxy, node24 from npm, the rest from apt.
#
# Usage: scripts/install-tools.sh [--apt-only | --no-apt] [--force] [--jobs N] [--only T,...]
#   --apt-only   only install the Debian packages     --no-apt  skip them
#   --force      rebuild every tool                    --jobs N  parallel Go builds (default 2)
#   --only T,..  only these tools (e.g. node24 for scripts/demo.sh: no Go needed)
# Env: TOOLS_DIR (default $REPO/.tools), INSTALL_TOOLS_JOBS.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOOLS=${TOOLS_DIR:-$REPO/.tools}
BIN=$TOOLS/bin
STAMPS=$TOOLS/stamps
LOGS=$TOOLS/logs
PINS=$REPO/test/tools/pins.env

do_apt=1 do_tools=1 force=0 jobs=${INSTALL_TOOLS_JOBS:-2} only=
while [ $# -gt 0 ]; do
  case $1 in
    --apt-only) do_tools=0 ;;
    --no-apt) do_apt=0 ;;
    --force) force=1 ;;
    --jobs) jobs=$2; shift ;;
    --only) only=$2; shift ;;
    -h | --help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "install-tools: unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done

log() { printf '[install-tools] %s\n' "$*"; }
die() { printf '[install-tools] ERROR: %s\n' "$*" >&2; exit 1; }

# pins.env is parsed, never sourced: values may hold spaces and are not shell.
declare -A PIN
while IFS= read -r line || [ -n "$line" ]; do
  case $line in '' | '#'*) continue ;; esac
  [[ $line == *=* ]] || die "bad line in $PINS: $line"
  PIN[${line%%=*}]=${line#*=}
done <"$PINS"
for key in GO_MINOR GO_TOOLCHAIN FLUX_VERSION CRANE_VERSION ORAS_VERSION COSIGN2_VERSION \
  COSIGN3_VERSION NODE24_VERSION ACTIONLINT_VERSION APT_PACKAGES FLUXJUDGE_1_9_VERSION FLUXJUDGE_1_9_GO \
  FLUXJUDGE_1_10_VERSION FLUXJUDGE_1_10_GO; do
  [ -n "${PIN[$key]:-}" ] || die "$key missing from $PINS"
done
pin() { printf '%s' "${PIN[$1]}"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else die "need root (or sudo) to run: $*"; fi
}

# --- Debian packages ---------------------------------------------------------------

install_apt() {
  local start=$SECONDS missing=() p
  for p in $(pin APT_PACKAGES); do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    log "apt: all present ($(pin APT_PACKAGES))"
  else
    log "apt: installing ${missing[*]}"
    # Keep postinst from starting services (docker-registry would bind :5000); only add
    # a policy-rc.d when the machine has none, and remove it again.
    local policy=/usr/sbin/policy-rc.d added_policy=0
    if [ ! -e $policy ]; then
      printf '#!/bin/sh\nexit 101\n' | as_root tee $policy >/dev/null
      as_root chmod 755 $policy
      added_policy=1
    fi
    local rc=0
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
      as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null || rc=$?
    [ $added_policy = 1 ] && as_root rm -f $policy
    [ $rc = 0 ] || die "apt-get failed ($rc)"
  fi
  # Tests start their own registries on random ports; a packaged service must not run.
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null &&
    systemctl is-enabled docker-registry >/dev/null 2>&1; then
    log "apt: disabling the docker-registry system service"
    as_root systemctl disable --now docker-registry >/dev/null 2>&1 || true
  fi
  [ -x /usr/bin/docker-registry ] || die "/usr/bin/docker-registry missing after install"
  command -v htpasswd >/dev/null || die "htpasswd missing after install"
  log "apt: done in $((SECONDS - start))s"
}

# --- stamps ------------------------------------------------------------------------

# up_to_date NAME KEY: the binary exists and was built from exactly KEY.
up_to_date() {
  [ $force = 0 ] && [ -x "$BIN/$1" ] && [ -f "$STAMPS/$1" ] && [ "$(cat "$STAMPS/$1")" = "$2" ]
}
stamp() { printf '%s' "$2" >"$STAMPS/$1"; }

# --- Go toolchain ------------------------------------------------------------------

setup_go() {
  command -v go >/dev/null || die "go not found on PATH (install Go $(pin GO_MINOR).x)"
  local local_version
  local_version=$(GOTOOLCHAIN=local go env GOVERSION)
  # Older Go cannot switch toolchains (GOTOOLCHAIN arrived in 1.21).
  [[ $local_version =~ ^go1\.([0-9]+) ]] && [ "${BASH_REMATCH[1]}" -ge 21 ] ||
    die "go: $local_version is too old; install Go $(pin GO_MINOR).x (or any Go >= 1.21)"
  # Our GOFLAGS only: a developer's -mod=vendor or similar would break module builds.
  export GOFLAGS=-buildvcs=false GOWORK=off
  if [[ $local_version == "$(pin GO_MINOR)" || $local_version == "$(pin GO_MINOR)".* ]]; then
    export GOTOOLCHAIN=local
  else
    # The toolchain itself comes from the Go module proxy (golang.org/toolchain).
    export GOTOOLCHAIN=$(pin GO_TOOLCHAIN)
    log "go: local $local_version is not $(pin GO_MINOR).x; using GOTOOLCHAIN=$GOTOOLCHAIN"
  fi
  GO_VERSION=$(go env GOVERSION)
  log "go: $GO_VERSION (GOMODCACHE=$(go env GOMODCACHE))"
}

# check NAME EXPECTED CMD...: CMD's output must contain EXPECTED.
check() {
  local name=$1 want=$2 out
  shift 2
  out=$("$@" 2>&1) || die "$name: '$*' failed: $out"
  [[ $out == *"$want"* ]] || die "$name: '$*' printed '$out', expected '$want'"
}

# --- builders (each runs as a background job; output goes to $LOGS/NAME.log) --------

# go_install NAME PACKAGE VERSION: `go install PACKAGE@VERSION` renamed to NAME.
go_install() {
  local name=$1 pkg=$2 version=$3 gobin
  gobin=$(mktemp -d "$TOOLS/gobin.XXXXXX")
  GOBIN=$gobin go install -trimpath -ldflags=-s "$pkg@$version"
  mv -f "$gobin/${pkg##*/}" "$BIN/$name"
  rm -rf "$gobin"
}

# build_module NAME PKG: builds the tool PKG required by our module test/tools/NAME, whose
# go.sum pins every dependency (for tools `go install PKG@VERSION` cannot fetch).
build_module() {
  local name=$1 pkg=$2
  (cd "$REPO/test/tools/$name" && go build -trimpath -ldflags=-s -o "$BIN/$name.new" "$pkg")
  mv -f "$BIN/$name.new" "$BIN/$name"
}

# flux2's go.mod has a replace directive, so `go install flux@version` is refused, and
# cmd/flux embeds install manifests that releases generate and the module zip lacks.
# So: copy our module (which repeats the replace and pins every dependency in go.sum),
# point it at a writable copy of the flux2 module with a placeholder manifest, build.
build_flux() {
  local version=$1 src=$REPO/test/tools/flux dir=$TOOLS/build/flux fluxdir
  rm -rf "$dir"
  mkdir -p "$dir"
  cp "$src/go.mod" "$src/go.sum" "$dir/"
  # Downloads flux2 from the proxy and verifies it against our go.sum.
  fluxdir=$(cd "$dir" && go mod download github.com/fluxcd/flux2/v2 &&
    go list -m -f '{{.Dir}}' github.com/fluxcd/flux2/v2)
  cp -r "$fluxdir" "$dir/flux2"
  chmod -R u+w "$dir/flux2"
  mkdir -p "$dir/flux2/cmd/flux/manifests"
  cp "$src/embed/placeholder.yaml" "$dir/flux2/cmd/flux/manifests/"
  (cd "$dir" && go mod edit -replace "github.com/fluxcd/flux2/v2=./flux2" &&
    go build -trimpath -ldflags "-s -X main.VERSION=$version" -o "$BIN/flux.new" \
      github.com/fluxcd/flux2/v2/cmd/flux)
  mv -f "$BIN/flux.new" "$BIN/flux"
  rm -rf "$dir"
}

verify_flux() {
  check flux "$1" "$BIN/flux" version --client
  local tmp
  tmp=$(mktemp -d)
  mkdir "$tmp/src"
  printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: smoke\n' >"$tmp/src/cm.yaml"
  "$BIN/flux" build artifact --path "$tmp/src" --output "$tmp/a.tgz" >/dev/null 2>&1 ||
    die "flux: 'flux build artifact' failed"
  tar -tzf "$tmp/a.tgz" | grep -q cm.yaml || die "flux: built artifact lacks cm.yaml"
  rm -rf "$tmp"
}

install_node24() {
  local version=$1 arch
  case $(uname -m) in
    x86_64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) die "node24: unsupported architecture $(uname -m)" ;;
  esac
  # npm's `node` package only runs an install script that installs node-<os>-<arch>;
  # installing that package directly gives the same binary without install scripts.
  rm -rf "$TOOLS/node24"
  npm install --prefix "$TOOLS/node24" --no-save --no-package-lock --ignore-scripts \
    --no-audit --no-fund --loglevel=error "node-linux-$arch@$version"
  ln -sfn "../node24/node_modules/node-linux-$arch/bin/node" "$BIN/node24"
}

# --- Flux's real verifiers (fluxjudge-1.9, fluxjudge-1.10) ---------------------------

# build_fluxjudge NAME VERSION TOOLCHAIN SUBSTITUTIONS: copies the source-controller module
# VERSION (from the module proxy, checked against the checksum database) to .tools/build/NAME,
# adds our test/tools/fluxjudge/main.go as cmd/fluxjudge (so it may import internal/oci/cosign)
# and builds it there with TOOLCHAIN. SUBSTITUTIONS: MODULE@REQUIRED=SERVED words, each a go.mod
# replace (SERVED `none`: an empty module; its package comes from the substitute parent).
# Without substitutions the build is -mod=readonly: exactly the release's go.mod and go.sum.
build_fluxjudge() {
  local name=$1 version=$2 toolchain=$3 subs=$4 dir=$TOOLS/build/$1 mod api s m from to
  local printed='' modflag=-mod=readonly
  # The heaviest builds here (cosign, cloud SDKs, Kubernetes): yield the CPU to the tests.
  renice -n 10 -p "$BASHPID" >/dev/null 2>&1 || true
  export GOTOOLCHAIN=$toolchain
  rm -rf "$dir"
  mkdir -p "$dir"
  modir() { (cd "$dir" && go mod download -json "$1" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p'); }
  mod=$(modir "github.com/fluxcd/source-controller@$version")
  [ -n "$mod" ] || die "$name: go mod download source-controller@$version failed"
  cp -r "$mod" "$dir/src"
  # ./api is its own module, replaced by a directory the module zip lacks: the same release.
  api=$(modir "github.com/fluxcd/source-controller/api@$version")
  [ -n "$api" ] || die "$name: go mod download source-controller/api@$version failed"
  cp -r "$api" "$dir/src/api"
  chmod -R u+w "$dir/src"
  mkdir -p "$dir/src/cmd/fluxjudge"
  cp "$REPO/test/tools/fluxjudge/main.go" "$dir/src/cmd/fluxjudge/"
  for s in $subs; do
    m=${s%%@*} from=${s#*@}
    to=${from#*=} from=${from%%=*}
    grep -Eq "^[[:space:]]+$m $from( |\$)" "$dir/src/go.mod" ||
      die "$name: $m $from is not what source-controller $version requires; update FLUXJUDGE_*_SUBSTITUTE"
    if [ "$to" = none ]; then
      mkdir -p "$dir/stub/$m"
      printf 'module %s\n' "$m" >"$dir/stub/$m/go.mod"
      (cd "$dir/src" && go mod edit -replace "$m=../stub/$m")
    else
      (cd "$dir/src" && go mod edit -replace "$m=$m@$to")
    fi
    printed+="${printed:+,}$m@$from=>$to"
    modflag=-mod=mod
  done
  [ -z "$printed" ] || log "$name: substitutions (module proxy refuses the required versions): $printed"
  (cd "$dir/src" && go build "$modflag" -trimpath \
    -ldflags "-s -X main.sourceController=$version -X main.substitutions=$printed" \
    -o "$BIN/$name.new" ./cmd/fluxjudge)
  mv -f "$BIN/$name.new" "$BIN/$name"
  rm -rf "$dir"
}

fluxjudges() {
  local line v tc subs key
  local judge_hash
  judge_hash=$(sha256sum "$REPO/test/tools/fluxjudge/main.go" | cut -c1-16)
  for line in 1_9 1_10; do
    v=$(pin "FLUXJUDGE_${line}_VERSION") tc=$(pin "FLUXJUDGE_${line}_GO")
    subs=${PIN[FLUXJUDGE_${line}_SUBSTITUTE]:-}
    key="fluxjudge $v $tc $judge_hash $subs"
    run_job "fluxjudge-${line/_/.}" "$v" "$key" -- build_fluxjudge "fluxjudge-${line/_/.}" "$v" "$tc" "$subs"
  done
}

# --- flux210: the Flux 2.10 reference (pkg/oci v0.73.0, Go 1.27) --------------------------

# Built with Go 1.27 whatever the local Go: the layer bytes depend on the Go line. Building it
# also puts the Go 1.27 toolchain into GOMODCACHE, which the Go 1.27 gzip tests use.
build_flux210() {
  (cd "$REPO/test/tools/flux210" && GOTOOLCHAIN=$(pin GO127_TOOLCHAIN) \
    go build -trimpath -ldflags=-s -o "$BIN/flux210.new" .)
  mv -f "$BIN/flux210.new" "$BIN/flux210"
}

# --- job runner --------------------------------------------------------------------

declare -A JOB_NAME=() JOB_START=()
FAILED=()

# verify NAME VERSION: the installed tool runs and reports VERSION.
verify() {
  case $1 in
    flux) verify_flux "$2" ;;
    node24) check node24 "v$2" "$BIN/node24" --version ;;
    actionlint) check actionlint "${2#v}" "$BIN/actionlint" -version ;;
    fluxjudge-*) check "$1" "\"sourceController\":\"$2\"" "$BIN/$1" --about ;;
    act) check act "${2#v}" "$BIN/act" --version ;;
    *) check "$1" "${2#v}" "$BIN/$1" version ;;
  esac
}

# run_job NAME VERSION KEY -- BUILD-CMD...: in the background unless NAME is up to date,
# runs BUILD then verifies the tool, and stamps KEY on success.
run_job() {
  local name=$1 version=$2 key=$3
  shift 4
  if [ -n "$only" ] && [[ ",$only," != *",$name,"* ]]; then return; fi
  if up_to_date "$name" "$key"; then
    log "$name: up to date ($key)"
    return
  fi
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do reap; done
  log "$name: building ($key), log in $LOGS/$name.log"
  ( set -e; "$@"; verify "$name" "$version"; stamp "$name" "$key" ) >"$LOGS/$name.log" 2>&1 &
  JOB_NAME[$!]=$name
  JOB_START[$!]=$SECONDS
}

# reap: waits for one job and reports it.
reap() {
  local pid rc=0
  wait -n -p pid || rc=$?
  [ -n "${pid:-}" ] || return 0
  local name=${JOB_NAME[$pid]} took=$((SECONDS - ${JOB_START[$pid]}))
  if [ $rc = 0 ]; then
    log "$name: done in ${took}s"
  else
    log "$name: FAILED after ${took}s (exit $rc); last lines of $LOGS/$name.log:"
    tail -n 30 "$LOGS/$name.log" | sed 's/^/    /'
    FAILED+=("$name")
  fi
  unset "JOB_NAME[$pid]"
}

# inputs_hash NAME: short hash of our module test/tools/NAME, so editing it rebuilds the tool.
inputs_hash() {
  (cd "$REPO/test/tools/$1" && find . -type f | LC_ALL=C sort | xargs sha256sum) | sha256sum | cut -c1-16
}

install_tools() {
  local start=$SECONDS
  mkdir -p "$BIN" "$STAMPS" "$LOGS"
  [ "$only" = node24 ] || setup_go
  local go_minor=${GO_VERSION:-none} v
  go_minor=${go_minor%.*}

  v=$(pin NODE24_VERSION)
  command -v npm >/dev/null || die "npm not found on PATH"
  run_job node24 "$v" "node24 $v $(uname -m)" -- install_node24 "$v"

  # flux first: it is the slowest build and others wait for it.
  v=$(pin FLUX_VERSION)
  grep -q "github.com/fluxcd/flux2/v2 v$v" "$REPO/test/tools/flux/go.mod" ||
    die "FLUX_VERSION $v differs from test/tools/flux/go.mod (run: go get github.com/fluxcd/flux2/v2@v$v)"
  run_job flux "$v" "flux $v $go_minor $(inputs_hash flux)" -- build_flux "$v"

  v=$(pin CRANE_VERSION)
  run_job crane "$v" "crane $v $go_minor" -- go_install crane github.com/google/go-containerregistry/cmd/crane "$v"
  v=$(pin ORAS_VERSION)
  grep -q "oras.land/oras $v" "$REPO/test/tools/oras/go.mod" ||
    die "ORAS_VERSION $v differs from test/tools/oras/go.mod (run: go get oras.land/oras@$v)"
  run_job oras "$v" "oras $v $go_minor $(inputs_hash oras)" -- build_module oras oras.land/oras/cmd/oras
  v=$(pin COSIGN2_VERSION)
  run_job cosign2 "$v" "cosign2 $v $go_minor" -- go_install cosign2 github.com/sigstore/cosign/v2/cmd/cosign "$v"
  v=$(pin COSIGN3_VERSION)
  run_job cosign3 "$v" "cosign3 $v $go_minor" -- go_install cosign3 github.com/sigstore/cosign/v3/cmd/cosign "$v"

  # actionlint: lints README's workflows and .github/workflows (test/integration/actionlint.test.ts).
  v=$(pin ACTIONLINT_VERSION)
  run_job actionlint "$v" "actionlint $v $go_minor" -- go_install actionlint github.com/rhysd/actionlint/cmd/actionlint "$v"
  fluxjudges
  v=$(pin FLUX210_PKG_OCI_VERSION)
  grep -q "github.com/fluxcd/pkg/oci $v" "$REPO/test/tools/flux210/go.mod" ||
    die "FLUX210_PKG_OCI_VERSION $v differs from test/tools/flux210/go.mod"
  run_job flux210 "$v" "flux210 $v $(pin GO127_TOOLCHAIN) $(inputs_hash flux210)" -- build_flux210
  # act (nektos/act): the runner implementation of the test/act runner tests.
  v=${PIN[ACT_VERSION]:-}
  [ -n "$v" ] || die "ACT_VERSION missing from $PINS"
  run_job act "$v" "act $v $go_minor" -- go_install act github.com/nektos/act "$v"

  while [ ${#JOB_NAME[@]} -gt 0 ]; do reap; done
  [ ${#FAILED[@]} = 0 ] || die "failed: ${FAILED[*]}"
  log "tools: all installed in $BIN in $((SECONDS - start))s"
}

total=$SECONDS
[ $do_apt = 1 ] && install_apt
[ $do_tools = 1 ] && install_tools
log "total ${BASH_SOURCE[0]##*/}: $((SECONDS - total))s"
