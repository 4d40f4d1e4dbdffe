#!/usr/bin/env bash
# Makes sure the tools that run Revise inside a real VS Code are on this machine, and does nothing (fast)
# when they already are:
#   - Debian packages: chromium (drives the web workbench), ripgrep (seeds code-server's rg download),
#     bubblewrap (the sandbox for candidate code),
#     python3-pytest, python3-coverage, python3-pytest-cov (the Python example is checked with them);
#   - code-server (VS Code's server + web workbench) in a cache folder outside the project's dependency
#     tree, so it can never end up in the VSIX: $REVISE_CACHE/code-server, default <repo>/.vscode-test/.
# Why code-server: a desktop VS Code cannot be downloaded here (see docs/integration-tests.md).
# Prints the code-server executable's path as its last line of output on success.
set -euo pipefail

CODE_SERVER_VERSION=4.100.3
# The ripgrep version @vscode/ripgrep 1.15.11 (pulled by code-server 4.100.3) downloads in its postinstall.
RIPGREP_CACHE_VERSION=1.15.11
RIPGREP_ASSET=ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache_root="${REVISE_CACHE:-$repo_root/.vscode-test}"
install_dir="$cache_root/code-server"
code_server_bin="$install_dir/node_modules/.bin/code-server"
ready_marker="$install_dir/.ready-$CODE_SERVER_VERSION"

log() { printf '[ensure-tools] %s\n' "$*" >&2; }

# --- Debian packages -------------------------------------------------------------------------------
apt_updated=false
# Installs the Debian packages among "$@" that are missing (apt-get update at most once per run); when
# not root, prints the exact command instead and exits 1.
ensure_apt_packages() {
  local missing=() package
  for package in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$package")
    fi
  done
  ((${#missing[@]} == 0)) && return 0
  if [[ "$(id -u)" != 0 ]]; then
    log "missing Debian packages: ${missing[*]}"
    log "run as root:  sudo sh -c 'apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${missing[*]}'"
    exit 1
  fi
  log "installing Debian packages: ${missing[*]}"
  if [[ "$apt_updated" == false ]]; then
    apt-get update
    apt_updated=true
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
}

runtime_packages=(ripgrep python3-pytest python3-coverage python3-pytest-cov bubblewrap)
# Any Chromium-family browser will do (test/integration/harness.js looks for the same ones): CI images
# often carry Google Chrome, and Ubuntu's `chromium` package is only a snap stub, useless in containers.
if [[ -n "${REVISE_CHROMIUM:-}" && -x "${REVISE_CHROMIUM}" ]] || command -v google-chrome >/dev/null 2>&1 \
  || command -v google-chrome-stable >/dev/null 2>&1; then
  :
else
  runtime_packages=(chromium "${runtime_packages[@]}")
fi
ensure_apt_packages "${runtime_packages[@]}"

# --- code-server -----------------------------------------------------------------------------------
# The marker is written only after the installed server answered --version, so a half-finished install
# (interrupted, or install scripts skipped) is redone rather than trusted.
if [[ -f "$ready_marker" && -x "$code_server_bin" ]]; then
  printf '%s\n' "$code_server_bin"
  exit 0
fi

mkdir -p "$install_dir"
# Two test runs starting at once must not install into the same folder together.
exec 9>"$install_dir/.install.lock"
flock 9
if [[ -f "$ready_marker" && -x "$code_server_bin" ]]; then
  printf '%s\n' "$code_server_bin"
  exit 0
fi

# code-server's postinstall compiles VS Code's native modules with node-gyp; of their system libraries
# only `kerberos` needs one (krb5), the rest need a C++ toolchain.
ensure_apt_packages g++ make python3 libkrb5-dev
log "installing code-server@$CODE_SERVER_VERSION into $install_dir (about a minute, ~300 MB)"
# The install runs with a private TMPDIR, removed afterwards.
install_temp="$(mktemp -d)"
trap 'rm -rf "$install_temp"' EXIT
# @vscode/ripgrep's postinstall downloads rg from GitHub, which is unreachable here; it looks in
# $TMPDIR/vscode-ripgrep-cache-<version> first, so seed that with Debian's rg (same 13.0.0 release).
ripgrep_cache="$install_temp/vscode-ripgrep-cache-$RIPGREP_CACHE_VERSION"
mkdir -p "$install_temp/rg" "$ripgrep_cache"
cp "$(command -v rg)" "$install_temp/rg/rg"
tar czf "$ripgrep_cache/$RIPGREP_ASSET" -C "$install_temp/rg" rg

# A package.json of its own makes npm treat this folder as the project root instead of walking up to
# the extension's package.json.
if [[ ! -f "$install_dir/package.json" ]]; then
  printf '{ "name": "revise-code-server-cache", "private": true }\n' >"$install_dir/package.json"
fi
rm -f "$install_dir"/.ready-*
# npm_config_yes: code-server's postinstall runs `npx node-gyp`, which would otherwise prompt (no TTY in CI).
# npm_config_unsafe_perm: as root, npm would otherwise run install scripts as an unprivileged user.
# npm_config_ignore_scripts=false: code-server's postinstall installs VS Code's own dependencies; a user
# or CI config that skips scripts would leave a server that cannot start.
(
  cd "$install_dir"
  TMPDIR="$install_temp" npm_config_yes=true npm_config_unsafe_perm=true npm_config_ignore_scripts=false \
    npm install --no-audit --no-fund --no-save --loglevel=error "code-server@$CODE_SERVER_VERSION" >&2
)

# The workbench serves VS Code's compiled output and the server needs its native modules; check both
# exist, then that the server starts far enough to report its version.
if [[ ! -d "$install_dir/node_modules/code-server/lib/vscode/node_modules" ]]; then
  log "code-server's postinstall did not run (lib/vscode/node_modules is missing)."
  log "retry with install scripts allowed:  cd '$install_dir' && npm rebuild code-server --foreground-scripts"
  exit 1
fi
# A throwaway config/data home: code-server writes a default config.yaml and a log folder on every start.
probe_home="$(mktemp -d)"
if ! version_output="$(XDG_CONFIG_HOME="$probe_home/config" XDG_DATA_HOME="$probe_home/data" \
    "$code_server_bin" --version 2>"$probe_home/stderr")"; then
  log "code-server was installed but does not start:"
  cat "$probe_home/stderr" >&2
  rm -rf "$probe_home"
  exit 1
fi
rm -rf "$probe_home"
# stdout also carries an info line about the config file; the version line starts with the version.
version_line="$(grep -E "^$CODE_SERVER_VERSION " <<<"$version_output" || true)"
if [[ -z "$version_line" ]]; then
  log "unexpected code-server --version output: $version_output"
  exit 1
fi
touch "$ready_marker"
log "code-server $version_line ready"
printf '%s\n' "$code_server_bin"
