#!/usr/bin/env bash
# Compiles the PowerShell .NET tool's assemblies ahead of time (ReadyToRun, with .NET's own
# crossgen2) so that each pwsh the simulated Windows hosts start spends less time in the JIT:
# a bare `pwsh -Command 1` drops from about 1.3 s to 0.7 s of CPU on this kind of machine, and
# the Windows tests start pwsh hundreds of times. Behaviour is unchanged: ReadyToRun code is the
# same IL compiled earlier, and the runtime falls back to the JIT for whatever it cannot use.
# Optional: on any failure the tool keeps its IL assemblies and this says so.
#   usage: scripts/pwsh-ready-to-run.sh TOOL_DIR VERSION
set -uo pipefail
dir="$1"
version="$2"
unix=$(ls -d "$dir"/.store/powershell/"$version"/powershell/"$version"/tools/net*/any/unix 2>/dev/null | head -n 1)
note() { echo "pwsh ReadyToRun: $*" >&2; }
if [ -z "$unix" ]; then note "no assemblies under $dir; PowerShell runs as installed"; exit 0; fi
marker="$unix/.certroll-ready-to-run"
[ -e "$marker" ] && exit 0

# The shared framework pwsh runs on (the newest Microsoft.NETCore.App), as dotnet lists it.
runtime=$(dotnet --list-runtimes | awk '/^Microsoft\.NETCore\.App /{v=$2; p=$3} END{gsub(/[][]/, "", p); print p "/" v}')
tfm=$(basename "$(dirname "$(dirname "$unix")")")
if [ ! -d "$runtime" ]; then note "no .NET runtime found; PowerShell runs as installed"; exit 0; fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# crossgen2 comes as a NuGet package; restoring a ReadyToRun project is the supported way to get it.
cat >"$work/r2r.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>$tfm</TargetFramework>
    <RuntimeIdentifier>linux-x64</RuntimeIdentifier>
    <PublishReadyToRun>true</PublishReadyToRun>
    <SelfContained>false</SelfContained>
  </PropertyGroup>
</Project>
EOF
if ! DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 dotnet restore "$work/r2r.csproj" >"$work/restore.log" 2>&1; then
  note "could not restore crossgen2 (see below); PowerShell runs as installed"
  tail -n 5 "$work/restore.log" >&2
  exit 0
fi
packages=$(DOTNET_CLI_TELEMETRY_OPTOUT=1 dotnet nuget locals global-packages --list | sed 's/^global-packages: //')
crossgen=$(ls -d "$packages"/microsoft.netcore.app.crossgen2.linux-x64/*/tools/crossgen2 2>/dev/null | sort -V | tail -n 1)
if [ ! -x "$crossgen" ]; then note "crossgen2 not found in $packages; PowerShell runs as installed"; exit 0; fi

mkdir -p "$work/out" "$work/orig"
export crossgen runtime unix work
# One assembly per crossgen2 process, as many at once as there are cores. An assembly crossgen2
# refuses (already ReadyToRun, reference-only) simply stays as it is.
compile() {
  "$crossgen" -r "$runtime/*.dll" -r "$unix/*.dll" --targetos linux --targetarch x64 -O \
    "$unix/$1" -o "$work/out/$1" >/dev/null 2>&1 || rm -f "$work/out/$1"
}
export -f compile
(cd "$unix" && ls -- *.dll) | xargs -P "$(nproc)" -I{} bash -c 'compile "$1"' _ {}
compiled=$(ls "$work/out" | wc -l)
for f in "$work"/out/*.dll; do
  name=$(basename "$f")
  cp -p "$unix/$name" "$work/orig/$name" && mv -f "$f" "$unix/$name"
done
if "$dir/pwsh" -NoLogo -NoProfile -NonInteractive -Command '$PSVersionTable.PSVersion.ToString()' 2>/dev/null | grep -qx "$version"; then
  touch "$marker"
  note "$compiled assemblies compiled"
else
  cp -p "$work"/orig/*.dll "$unix"/
  note "pwsh did not start on the compiled assemblies; the IL ones are back"
fi
exit 0
