#!/usr/bin/env bash
# Installs the build into a temporary prefix and builds another project
# against it: with find_package(newsgraph) and with pkg-config.
# Usage: install_consumer_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build="$1"
source="$2"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
test -f "$work/prefix/include/newsgraph/client.h"
test -f "$work/prefix/include/newsgraph/v1/search_service.grpc.pb.h"
test -f "$work/prefix/share/newsgraph/protos/newsgraph/v1/types.proto"
cmake -S "$source/examples/consumer" -B "$work/consumer" -G Ninja \
  -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/consumer" -j "${NEWSGRAPH_JOBS:-2}" >/dev/null
usage=$("$work/consumer/batch_job" --help 2>&1 || true)
grep -q "usage: batch_job" <<<"$usage"
# pkg-config: compile and link the smallest client program.
cat >"$work/pc.cc" <<'CC'
#include <newsgraph/client.h>
int main() {
  newsgraph::ClientOptions options;
  return newsgraph::Client::Create(options).ok() ? 0 : 1;
}
CC
PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig" \
  g++ -std=c++20 "$work/pc.cc" -o "$work/pc" $(PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig" pkg-config --cflags --libs newsgraph)
"$work/pc"
echo "install_consumer_test: find_package and pkg-config consumers built and ran"
