#!/usr/bin/env bash
# The test command: on a fresh Debian machine of the project's kind (the .NET SDK installed), restore what
# the tests need, build everything with warnings as errors, run every test, run the fuzz smoke pass and
# pack the libraries. Exits non-zero when anything fails. CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")"

configuration=Release
log_dir=artifacts/test-logs
mkdir -p "$log_dir"

step() { printf '\n== %s\n' "$*"; }

step "toolchain"
if ! command -v dotnet >/dev/null 2>&1; then
  echo "test.sh: the .NET SDK is not on PATH; install the SDK that global.json names." >&2
  exit 1
fi
dotnet --version

step "system packages (interop tests, native AOT)"
# The interop suite runs our daemon against Debian's wireguard-go in network namespaces, configured with
# the stock wg tool, and compares a connection's routing with wg-quick's (whose full tunnel needs nft); it
# needs these programs (and root). Install what is missing, as root, from Debian.
missing=()
# The interop suite and the native AOT build are Linux's; on macOS and Windows nothing is installed.
if [ "$(uname -s)" = Linux ]; then
  for need in wireguard-go:wireguard-go wg:wireguard-tools wg-quick:wireguard-tools iperf3:iperf3 gcore:gdb \
              ping:iputils-ping ip:iproute2 sysctl:procps curl:curl dbus-daemon:dbus-daemon \
              tcpdump:tcpdump nft:nftables socat:socat dnsmasq:dnsmasq-base busybox:busybox; do
    command -v "${need%%:*}" >/dev/null 2>&1 || missing+=("${need##*:}")
  done
  # The controller's suite runs against a real PostgreSQL too: a throwaway cluster made with initdb.
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
  # And its dashboard runs in Debian's headless Chromium.
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  # The daemon is also published with native AOT, which links with the system C toolchain and zlib.
  command -v clang >/dev/null 2>&1 || command -v gcc >/dev/null 2>&1 || missing+=(clang)
  [ -f /usr/include/zlib.h ] || missing+=(zlib1g-dev)
fi
if [ ${#missing[@]} -gt 0 ]; then
  # bash 3.2 (macOS) has no mapfile; the list is unique words, so word splitting is safe here.
  missing=($(printf '%s\n' "${missing[@]}" | sort -u))
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
  else
    echo "test.sh: not root or no apt-get; missing ${missing[*]}: the interop tests will skip (CI fails instead)."
  fi
fi

step "restore (NuGet)"
dotnet restore Tunnel.sln

step "build ($configuration, warnings as errors)"
dotnet build Tunnel.sln -c "$configuration" --no-restore

step "macOS and Windows builds"
# The adapters for the other OSes cannot run here, but they compile for each of their runtimes with every
# analyzer and warnings as errors (the platform-compatibility analyzer catches a Linux call reached elsewhere).
# The samples bring in every library; framework-dependent, without an apphost, so no runtime pack is needed.
for other in osx-x64 osx-arm64 win-x64 win-arm64; do
  dotnet build samples/Tunnel.Agent/Tunnel.Agent.csproj -c "$configuration" -r "$other" -p:PublishAot=false -p:UseAppHost=false
  dotnet build samples/Tunnel.Cli/Tunnel.Cli.csproj -c "$configuration" -r "$other" -p:PublishAot=false -p:UseAppHost=false
done

step "native AOT daemon and control client"
# Operators run the natively compiled daemon (no JIT warm-up, a third of the memory), so the interop suite
# drives that binary; the JIT build beside the tests is used when TUNNEL_AGENT is not set.
# Only on Linux: elsewhere (macOS, Windows under Git Bash) the tests run the JIT builds beside them.
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) rid=linux-x64 ;;
  Linux-aarch64) rid=linux-arm64 ;;
  *) rid="" ;;
esac
if [ -n "$rid" ]; then
  # A native binary's instruction set is fixed when it is compiled: where this CPU has AVX2, build for
  # x86-64-v3 so the daemon runs the managed ChaCha20-Poly1305 (the default x86-64-v2 build runs libsodium's),
  # and where it also has AVX-512, for x86-64-v4 so it runs the AVX-512 path. Each level is more than its
  # headline feature: build for one only when every feature of it is there, or the binary would refuse to start.
  isa=()
  export TUNNEL_AGENT_AEAD=Libsodium
  if [ "$rid" = linux-x64 ]; then
    flags=" $(grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2) "
    has_all() {
      for feature in "$@"; do
        case "$flags" in *" $feature "*) ;; *) return 1 ;; esac
      done
    }
    if has_all avx avx2 bmi1 bmi2 f16c fma abm movbe xsave; then
      if has_all avx512f avx512bw avx512cd avx512dq avx512vl; then
        isa=(-p:IlcInstructionSet=x86-64-v4)
        export TUNNEL_AGENT_AEAD=ManagedAvx512
      else
        isa=(-p:IlcInstructionSet=x86-64-v3)
        export TUNNEL_AGENT_AEAD=ManagedAvx2
      fi
    fi
  fi
  # What the interop suite should see the native daemon name in its exit summary: TUNNEL_AGENT_AEAD above.
  dotnet publish samples/Tunnel.Agent -c "$configuration" -r "$rid" -p:PublishAot=true "${isa[@]}" -o artifacts/publish/tunnel-agent
  export TUNNEL_AGENT="$PWD/artifacts/publish/tunnel-agent/tunnel-agent"
  # The agent's end-to-end tests drive it with tunnelctl, also as operators get it.
  dotnet publish samples/Tunnel.Cli -c "$configuration" -r "$rid" -p:PublishAot=true -o artifacts/publish/tunnelctl
  export TUNNEL_CTL="$PWD/artifacts/publish/tunnelctl/tunnelctl"
fi

step "unit and property tests"
set +e
dotnet test --solution Tunnel.sln -c "$configuration" --no-build 2>&1 | tee "$log_dir/dotnet-test.log"
test_status=${PIPESTATUS[0]}
set -e

step "fuzz smoke"
set +e
dotnet "artifacts/bin/Tunnel.Fuzz/$(echo "$configuration" | tr '[:upper:]' '[:lower:]')/tunnel-fuzz.dll" smoke --mutations 20000 2>&1 | tee "$log_dir/fuzz-smoke.log"
fuzz_status=${PIPESTATUS[0]}
set -e

step "pack"
dotnet pack Tunnel.sln -c "$configuration" --no-build -o artifacts/packages

step "the packages as shipped"
# A consumer project that references the .nupkg files just packed, not the projects; its own package folder
# loses our packages first, so it never runs against an older pack of the same version.
rm -rf artifacts/consumer-packages/tunnel artifacts/consumer-packages/tunnel.core \
       artifacts/consumer-packages/tunnel.platform artifacts/consumer-packages/tunnel.testing \
       artifacts/consumer-packages/tunnel.splittunnel artifacts/consumer-packages/tunnel.net
set +e
dotnet test --project tests/Tunnel.Packages.Tests -c "$configuration" 2>&1 | tee "$log_dir/packages-test.log"
packages_status=${PIPESTATUS[0]}
set -e

# One closing line over everything that ran: the test platform's totals plus one per fuzz target.
sum() { grep -E "^[[:space:]]*$1: [0-9]+" "$2" | awk '{ s += $2 } END { print s + 0 }'; }
passed=$(( $(sum succeeded "$log_dir/dotnet-test.log") + $(sum succeeded "$log_dir/packages-test.log") + $(grep -oE '[0-9]+ passed' "$log_dir/fuzz-smoke.log" | awk '{ s += $1 } END { print s + 0 }') ))
failed=$(( $(sum failed "$log_dir/dotnet-test.log") + $(sum failed "$log_dir/packages-test.log") + $(grep -oE '[0-9]+ failed' "$log_dir/fuzz-smoke.log" | awk '{ s += $1 } END { print s + 0 }') ))
skipped=$(( $(sum skipped "$log_dir/dotnet-test.log") + $(sum skipped "$log_dir/packages-test.log") ))
if [ "$test_status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1 # the test run failed without reporting a failed test (a crash, a build error)
fi
if [ "$fuzz_status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1
fi
if [ "$packages_status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1 # the consumer project did not restore or build: a package is broken
fi

echo
echo "summary: $passed passed, $failed failed, $skipped skipped"
[ "$test_status" -eq 0 ] && [ "$fuzz_status" -eq 0 ] && [ "$packages_status" -eq 0 ] && [ "$passed" -gt 0 ]
