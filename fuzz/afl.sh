#!/usr/bin/env bash
# Runs one tunnel-fuzz target coverage-guided under afl-fuzz (not part of ./test.sh or CI).
#
#   fuzz/afl.sh <target> [minutes]        default: 10 minutes
#   fuzz/afl.sh list                      the targets
#
# Installs what is missing (the Debian package afl++, the SharpFuzz.CommandLine .NET tool into
# artifacts/fuzz-tools), publishes tunnel-fuzz to artifacts/fuzz/afl/bin, instruments the assemblies under
# test there (Tunnel.Core.dll, Tunnel.dll, Tunnel.SplitTunnel.dll, tunnel-agent.dll) and runs afl-fuzz on the target's seed corpus
# at low priority. Findings go to artifacts/fuzz/afl/<target>/default/ (crashes/, queue/, fuzzer_stats);
# reproduce a crash on the uninstrumented build (instrumented assemblies only run under afl):
#   dotnet artifacts/bin/Tunnel.Fuzz/release/tunnel-fuzz.dll run <target> <file>
#
# Environment: SKIP_PUBLISH=1 reuses an instrumented artifacts/fuzz/afl/bin (to run several targets on one
# build); AFL_FLAGS adds afl-fuzz options (e.g. "-M main" or "-x dict").
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
sharpfuzz_version=2.3.0
tools="$root/artifacts/fuzz-tools"
work="$root/artifacts/fuzz/afl"
bin="$work/bin"

target=${1:-}
minutes=${2:-10}
if [ -z "$target" ]; then
    echo "usage: fuzz/afl.sh <target> [minutes]   (fuzz/afl.sh list: the targets)" >&2
    exit 2
fi

if ! command -v afl-fuzz >/dev/null; then
    echo "afl.sh: installing afl++" >&2
    if [ "$(id -u)" -eq 0 ]; then apt-get install -y afl++ >/dev/null; else sudo apt-get install -y afl++ >/dev/null; fi
fi

if [ ! -x "$tools/sharpfuzz" ]; then
    echo "afl.sh: installing SharpFuzz.CommandLine $sharpfuzz_version into $tools" >&2
    dotnet tool install SharpFuzz.CommandLine --version "$sharpfuzz_version" --tool-path "$tools" >/dev/null
fi

if [ "${SKIP_PUBLISH:-0}" != 1 ] || [ ! -f "$bin/.instrumented" ]; then
    rm -rf "$bin"
    nice -n 10 dotnet publish "$root/fuzz/Tunnel.Fuzz" -c Release -o "$bin" --nologo -v quiet >&2
    # Only the code under test reports coverage: the runtime, System.Text.Json, ASP.NET Core, SharpFuzz and
    # tunnel-fuzz itself do not (its Main runs before SharpFuzz maps the coverage memory).
    for assembly in Tunnel.Core.dll Tunnel.dll Tunnel.SplitTunnel.dll tunnel-agent.dll; do
        if [ -f "$bin/$assembly" ]; then "$tools/sharpfuzz" "$bin/$assembly" >&2; fi
    done
    touch "$bin/.instrumented"
fi

if [ "$target" = list ]; then
    exec dotnet "$bin/tunnel-fuzz.dll" list
fi

if ! dotnet "$bin/tunnel-fuzz.dll" list | grep -qx "$target"; then
    echo "afl.sh: unknown target '$target'; fuzz/afl.sh list shows them" >&2
    exit 2
fi

out="$work/$target"
rm -rf "$out"
mkdir -p "$out/seeds"
cp "$bin/Corpora/$target"/* "$out/seeds/"
# dotnet itself is not instrumented (the managed code reports through SharpFuzz), core dumps are not
# wanted, and on a shared machine afl must not pin a core of its own.
export AFL_SKIP_BIN_CHECK=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_NO_UI=1
while true; do
    rm -rf "$out/default"
    # shellcheck disable=SC2086
    if nice -n 10 afl-fuzz -i "$out/seeds" -o "$out" -t 5000 -m none -V $((minutes * 60)) ${AFL_FLAGS:-} \
        -- dotnet "$bin/tunnel-fuzz.dll" afl "$target" >"$out/afl.log" 2>&1; then
        break
    fi

    # A seed that the target turns away before any instrumented code (an AEAD input too short to hold a
    # tag) shows no coverage, which afl refuses at its dry run: leave that seed out and start again.
    seed=$(grep -o "orig:[^']*" "$out/afl.log" | tail -n 1 | cut -d: -f2)
    if grep -q "No instrumentation detected" "$out/afl.log" && [ -n "$seed" ] && [ -f "$out/seeds/$seed" ]; then
        echo "afl.sh: seed '$seed' reaches no instrumented code; fuzzing without it" >&2
        rm "$out/seeds/$seed"
        continue
    fi

    tail -n 30 "$out/afl.log" >&2
    exit 1
done

stats="$out/default/fuzzer_stats"
awk -F' *: *' -v target="$target" '
    { v[$1] = $2 }
    END { printf "%s: %s executions, %s paths, %s crashes, %s hangs, %s exec/s (%s s)\n", target, v["execs_done"], v["corpus_count"], v["saved_crashes"], v["saved_hangs"], v["execs_per_sec"], v["run_time"] }
' "$stats"
if [ -n "$(ls -A "$out/default/crashes" 2>/dev/null | grep -v README)" ]; then
    echo "crashes: $out/default/crashes" >&2
fi
