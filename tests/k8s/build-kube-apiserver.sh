#!/usr/bin/env bash
# Build kube-apiserver once from Debian's `kubernetes` source package, offline, into a cache
# directory outside the checkout; print the binary's path on stdout.
#
#   bash tests/k8s/build-kube-apiserver.sh        # builds (4 to 7 minutes on 2 cores) or reuses
#
# Cache: $GATEWAYDNS_K8S_CACHE, else ${XDG_CACHE_HOME:-~/.cache}/gatewaydns/kube-apiserver-1.20.2.
# A binary already there is reused; delete the directory to rebuild. Needs golang-go, dpkg-dev
# and the Debian archive (deb.debian.org or the machine's mirror); nothing else is downloaded.
#
# Why each step (facts from building on Debian 12 with its Go 1.19):
# - Debian ships the Kubernetes 1.20.2 tree with vendor/ (source package `kubernetes`, which
#   builds kubernetes-client) but no server binary; it builds in GOPATH mode without network.
# - pkg/generated/openapi/zz_generated.openapi.go is not in the tarball: openapi-gen (vendored)
#   generates it over every package carrying `+k8s:openapi-gen=`, as upstream's
#   Makefile.generated_files does.
# - go1.19-vendor.patch fixes two vendored libraries for Go >= 1.18: reflect2's map iterator
#   (else the server crashes iterating maps) and go-openapi's type check (else every empty string
#   is rejected as null, so the Gateway API CRDs' `default: ""` fail).
set -euo pipefail

VERSION=1.20.2
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${GATEWAYDNS_K8S_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gatewaydns/kube-apiserver-$VERSION}
BIN=$CACHE/kube-apiserver

log() { echo "build-kube-apiserver: $*" >&2; }

if [ -x "$BIN" ] && "$BIN" --version >/dev/null 2>&1; then
  echo "$BIN"
  exit 0
fi

for tool in go dpkg-source patch; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    log "$tool is missing: apt-get install golang-go dpkg-dev patch"
    exit 1
  fi
done

mkdir -p "$CACHE"
WORK=$(mktemp -d "$CACHE/build.XXXXXX")
trap 'chmod -R u+w "$WORK" 2>/dev/null; rm -rf "$WORK"' EXIT
START=$(date +%s)

# 1. The source package, through a private apt configuration (deb-src entries derived from the
#    machine's own Debian entries), so the system's sources and package lists stay untouched.
log "downloading Debian's kubernetes source package"
APT="$WORK/apt"
mkdir -p "$APT/parts" "$APT/lists/partial" "$APT/cache/archives/partial"
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
  sed 's/^Types:.*/Types: deb-src/' /etc/apt/sources.list.d/debian.sources >"$APT/parts/src.sources"
fi
if [ -f /etc/apt/sources.list ]; then
  sed -n 's/^deb /deb-src /p' /etc/apt/sources.list >"$APT/parts/src.list"
fi
APT_OPTS=(
  -o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$APT/parts"
  -o "Dir::State::Lists=$APT/lists" -o "Dir::Cache=$APT/cache" -o "Debug::NoLocking=1"
  -o "APT::Sandbox::User=root"
)
apt-get "${APT_OPTS[@]}" -qq update >&2
(cd "$WORK" && apt-get "${APT_OPTS[@]}" -qq source --download-only kubernetes >&2)
DSC=$(ls "$WORK"/kubernetes_*.dsc)
case "$DSC" in
  *"really$VERSION"*) ;;
  *)
    log "expected Kubernetes $VERSION, Debian offers $(basename "$DSC"); update VERSION and the patch"
    exit 1
    ;;
esac

# 2. Unpack into a GOPATH: the tree must live at $GOPATH/src/k8s.io/kubernetes.
log "unpacking $(basename "$DSC")"
export GOPATH="$WORK/gopath"
SRC="$GOPATH/src/k8s.io/kubernetes"
mkdir -p "$(dirname "$SRC")"
# (apt has checked the files against the archive's signed index; dpkg-source's own signature
# check has no uploader keyring and only warns, so its output is shown on failure only)
if ! dpkg-source -x "$DSC" "$SRC" >"$WORK/dpkg-source.log" 2>&1; then
  cat "$WORK/dpkg-source.log" >&2
  exit 1
fi
patch -s -p1 -d "$SRC" <"$HERE/go1.19-vendor.patch"

export GO111MODULE=off GOPROXY=off GOFLAGS= CGO_ENABLED=0
export GOCACHE="$WORK/gocache"
cd "$SRC"

# 3. The generated OpenAPI definitions missing from the tarball.
log "generating pkg/generated/openapi"
go build -o "$WORK/openapi-gen" ./vendor/k8s.io/kube-openapi/cmd/openapi-gen
DIRS=$(
  find -H . -not \( \( -path './_*' -o -path './.*' -o -path ./vendor -o -path ./debian \) -prune \) \
    -type f -name '*.go' -print0 |
    xargs -0 grep -l --null '^// *+k8s:' |
    xargs -0 grep -l '+k8s:openapi-gen=' |
    sed -e 's|/[^/]*$||' -e 's|^\./||' -e 's|^staging/src|vendor|' |
    grep -v -e '^vendor/k8s.io/code-generator/' -e '^vendor/k8s.io/sample-apiserver/' |
    LC_ALL=C sort -u |
    sed 's|^|k8s.io/kubernetes/|' | paste -sd, -
)
"$WORK/openapi-gen" \
  -i "$DIRS" \
  -p k8s.io/kubernetes/pkg/generated/openapi \
  -O zz_generated.openapi \
  -h hack/boilerplate/boilerplate.generatego.txt \
  -r "$WORK/openapi-violations.txt" >&2

# 4. The server itself (its /version says v0.0.0-master: the tarball has no git metadata).
log "compiling cmd/kube-apiserver (the long step)"
go build -trimpath -ldflags "-s -w" -o "$WORK/kube-apiserver" ./cmd/kube-apiserver
mv "$WORK/kube-apiserver" "$BIN"
log "built $BIN in $(($(date +%s) - START)) s"
echo "$BIN"
