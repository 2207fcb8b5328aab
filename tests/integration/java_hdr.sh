# The reference Java HdrHistogram for the compatibility tests: sourced, sets $jar or exits 1.
jar=${HDR_JAR:-/usr/share/java/hdrhistogram.jar}
if ! command -v java >/dev/null || [ ! -f "$jar" ]; then
  echo "java or $jar missing: run scripts/setup (installs default-jre-headless libhdrhistogram-java)" >&2
  exit 1
fi
