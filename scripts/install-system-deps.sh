#!/usr/bin/env bash
# Install the system packages the Questline test suite needs (Debian/Ubuntu).
#
#   scripts/install-system-deps.sh            # PostgreSQL server binaries, redis-server
#   scripts/install-system-deps.sh --browser  # ... plus chromium and chromium-driver, for the
#                                             # browser tests (tests/browser; `make test` asks)
#
# Idempotent: installs only what is missing, runs `apt-get update` at most once,
# and prints one line per dependency ("<name>: present" or "<name>: installed").
# The tests start their own throwaway PostgreSQL server (tests/support/postgres.py);
# the cluster Debian's `postgresql` package may create and start on port 5432 is
# never used.
set -euo pipefail

usage() {
    echo "usage: $0 [--browser]" >&2
}

want_browser=0
for arg in "$@"; do
    case "$arg" in
        --browser) want_browser=1 ;;
        -h | --help)
            usage
            exit 0
            ;;
        *)
            usage
            exit 2
            ;;
    esac
done

if ! command -v apt-get >/dev/null 2>&1; then
    echo "error: apt-get not found; this script supports Debian/Ubuntu only" >&2
    exit 1
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        sudo_cmd=(sudo)
    else
        echo "error: not root and sudo is not available; run this script as root" >&2
        exit 1
    fi
fi

apt_updated=0
apt_install() {
    if [ "$apt_updated" -eq 0 ]; then
        "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        apt_updated=1
    fi
    "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

have_postgres() {
    local initdb
    for initdb in /usr/lib/postgresql/*/bin/initdb; do
        [ -x "$initdb" ] && return 0
    done
    return 1
}

have_command() {
    command -v "$1" >/dev/null 2>&1
}

# ensure <label> <check-command...> -- <packages...>
ensure() {
    local label="$1"
    shift
    local check=()
    while [ "$1" != "--" ]; do
        check+=("$1")
        shift
    done
    shift
    if "${check[@]}"; then
        echo "$label: present"
        return 0
    fi
    apt_install "$@"
    if ! "${check[@]}"; then
        echo "error: $label still missing after installing: $*" >&2
        exit 1
    fi
    echo "$label: installed"
}

ensure postgresql have_postgres -- postgresql
ensure redis-server have_command redis-server -- redis-server
if [ "$want_browser" -eq 1 ]; then
    ensure chromium have_command chromium -- chromium
    ensure chromium-driver have_command chromedriver -- chromium-driver
fi
