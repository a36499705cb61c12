#!/usr/bin/env bash
# Image conversion benchmark: one request with 5 images of 2048 x 2048 PNG, parsed and converted to JPEG
# as the API node does it. Prints ms per image and peak heap. Usage: bench/image-conversion.sh [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B -DskipTests install
cp_file=$(mktemp)
mvn -q -B -pl api-verticle dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file"
java @deploy/jvm.flags -Xmx${HEAP:-1g} \
  -cp "api-verticle/target/test-classes:api-verticle/target/classes:$(cat "$cp_file")" \
  io.genbus.api.bench.ImageConversionBenchmark "${1:-10}"
rm -f "$cp_file"
