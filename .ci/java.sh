#!/usr/bin/env bash
# The Spark tests run a local Spark (the pyspark wheel) on Java 17 from Debian.
set -uo pipefail
if command -v java >/dev/null; then
  echo "java: $(java -version 2>&1 | head -n 1)"
  exit 0
fi
if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null
fi
command -v java >/dev/null && echo "java: $(java -version 2>&1 | head -n 1)" ||
  echo "java: unavailable (the Spark tests will be skipped)"
exit 0
