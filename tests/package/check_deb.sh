#!/usr/bin/env bash
# Builds the Debian package from a build tree and checks what an install would get:
#   check_deb.sh CPACK CPACK_CONFIG SCRATCH_DIR
# - the files: loadgen and refserver in /usr/bin, every scenario, the docs;
# - the declared runtime dependencies (from dpkg-shlibdeps): every shared library the two
#   programs load, by its Debian package;
# - that the unpacked tree runs: its loadgen starts its refserver through ${bin} and the
#   shipped smoke scenario (stages shortened) passes.
set -euo pipefail
cpack=$1
config=$2
scratch=$3
rm -rf "$scratch"
mkdir -p "$scratch"

"$cpack" --config "$config" -B "$scratch" >"$scratch/cpack.log" 2>&1 || {
  cat "$scratch/cpack.log"
  echo "FAIL: cpack could not build the package"
  exit 1
}
debs=("$scratch"/loadgen_*_amd64.deb)
[ -f "${debs[0]}" ] || { echo "FAIL: no loadgen_<version>_amd64.deb in $scratch"; ls "$scratch"; exit 1; }
deb=${debs[0]}
echo "package: $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB)"

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

contents=$(dpkg-deb --contents "$deb" | awk '{print $NF}')
for f in ./usr/bin/loadgen ./usr/bin/refserver ./usr/share/doc/loadgen/README.md \
         ./usr/share/doc/loadgen/ci.md ./usr/share/doc/loadgen/scenario-format.md; do
  grep -qxF "$f" <<<"$contents" || fail "$f is not in the package"
done
for s in "$(dirname "$0")"/../../scenarios/*.yaml; do
  f=./usr/share/loadgen/scenarios/$(basename "$s")
  grep -qxF "$f" <<<"$contents" || fail "$f is not in the package"
done
# Nothing from the build or test tree: only /usr/bin, /usr/share/loadgen and /usr/share/doc.
stray=$(grep -vE '^\./$|^\./usr/$|^\./usr/bin/|^\./usr/share/$|^\./usr/share/(loadgen|doc)/' <<<"$contents" || true)
[ -z "$stray" ] || fail "unexpected files: $stray"

depends=$(dpkg-deb --field "$deb" Depends)
echo "Depends: $depends"
# The package names alone: "libc6 (>= 2.34), libfmt9 (>= 9.1.0+ds1)" -> libc6, libfmt9.
declared=$(tr ',|' '\n\n' <<<"$depends" | awk '{print $1}' | sort -u)
for pkg in libc6 libstdc++6 libcurl4 libfmt9 libyaml-cpp0.7 libsqlite3-0 libssl3 zlib1g; do
  grep -qxF "$pkg" <<<"$declared" || fail "Depends lacks $pkg"
done
[ "$(dpkg-deb --field "$deb" Architecture)" = amd64 ] || fail "Architecture is not amd64"

# Every library the installed programs link directly (NEEDED) must come from a declared
# package; what those libraries load in turn is their packages' business.
root="$scratch/root"
dpkg-deb --extract "$deb" "$root"
for bin in loadgen refserver; do
  resolved=$(ldd "$root/usr/bin/$bin")
  for soname in $(objdump -p "$root/usr/bin/$bin" | awk '$1 == "NEEDED" {print $2}'); do
    lib=$(awk -v n="$soname" '$1 == n && $3 ~ /^\// {print $3}' <<<"$resolved")
    [ -n "$lib" ] || { fail "$bin needs $soname, which does not resolve"; continue; }
    owner=""
    # dpkg knows a file by the path its package shipped: /lib/... or /usr/lib/... (merged /usr).
    for path in "$lib" "$(realpath "$lib")" "${lib#/usr}" "$(realpath "$lib" | sed 's|^/usr||')"; do
      owner=$(dpkg-query --search "$path" 2>/dev/null | head -n1 | cut -d: -f1) && [ -n "$owner" ] && break
    done
    [ -n "$owner" ] || { fail "$bin needs $lib, which no installed package owns"; continue; }
    grep -qxF "$owner" <<<"$declared" || fail "$bin needs $soname from $owner, which Depends does not name"
  done
done

# The unpacked tree runs: ${bin} is usr/bin, where refserver sits beside loadgen.
"$root/usr/bin/loadgen" --version
(cd "$scratch" && "$root/usr/bin/loadgen" run "$root/usr/share/loadgen/scenarios/smoke.yaml" -q \
   -o "$scratch/smoke-out" --set load.stages.0.over=1s --set load.stages.1.hold=3s) ||
  fail "the packaged loadgen did not pass the packaged smoke scenario"

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "package checks passed"
