#!/usr/bin/env bash
# Installs PowerShell 7.6 (the tests' real pwsh for the simulated Windows hosts) as a .NET tool
# into ${CERTROLL_PWSH_DIR:-$HOME/.cache/certroll/pwsh} when it is not there yet. The version is
# pinned: without one, `dotnet tool install PowerShell` takes 7.7.0, which fails to install.
set -euo pipefail
version=7.6.10
dir="${CERTROLL_PWSH_DIR:-$HOME/.cache/certroll/pwsh}"
if [ -n "${CERTROLL_PWSH:-}" ]; then
  [ -x "$CERTROLL_PWSH" ] && exit 0
  echo "CERTROLL_PWSH=$CERTROLL_PWSH is not an executable; unset it to install PowerShell into $dir." >&2
  exit 1
fi
if [ -x "$dir/pwsh" ] && "$dir/pwsh" -NoLogo -NoProfile -NonInteractive -Command '$PSVersionTable.PSVersion.ToString()' 2>/dev/null | grep -qx "$version"; then
  # Installed by an earlier run; compile it ahead of time if that has not happened yet.
  bash "$(dirname "$0")/pwsh-ready-to-run.sh" "$dir" "$version"
  exit 0
fi
if ! command -v dotnet >/dev/null 2>&1; then
  echo "The Windows tests need PowerShell $version, installed with the .NET SDK (8 or later), which is missing." >&2
  echo "Install the .NET SDK (https://learn.microsoft.com/dotnet/core/install/linux-debian), then run again," >&2
  echo "or point CERTROLL_PWSH at an existing PowerShell $version." >&2
  exit 1
fi
echo "installing PowerShell $version into $dir" >&2
mkdir -p "$dir"
# A partial install of another version would make `tool install` refuse: start clean.
if [ -e "$dir/pwsh" ]; then dotnet tool uninstall PowerShell --tool-path "$dir" >/dev/null 2>&1 || true; fi
DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 dotnet tool install PowerShell --version "$version" --tool-path "$dir" >/dev/null
bash "$(dirname "$0")/pwsh-ready-to-run.sh" "$dir" "$version"
"$dir/pwsh" -NoLogo -NoProfile -NonInteractive -Command '$PSVersionTable.PSVersion.ToString()'
