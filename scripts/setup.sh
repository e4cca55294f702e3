#!/usr/bin/env bash
# Installs what hapb needs on a Debian machine and builds it. Safe to re-run.
#  - Debian packages (as root): nginx, keepalived, nftables, OpenSSH, systemd-nspawn,
#    ansible-core (to check that real Ansible accepts the roles' argument specs),
#    debootstrap, iproute2, sudo, librsvg2-bin (rsvg-convert, the tests render the
#    drill pictures with it). Services are not started on this machine.
#    Real Ansible too (ansible-core, the ansible collections, ansible-lint,
#    python3-netaddr, python3-passlib): the conformance tests run it beside hapb
#    (Ansible's password_hash uses passlib when installed: 656,000 sha512 rounds
#    by default instead of crypt's 5,000, which the conformance cases compare).
#    chromium: a test opens the drill's report.html in it, headless.
#  - npm ci and the TypeScript build.
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(nginx-light keepalived nftables openssh-server openssh-client systemd systemd-container librsvg2-bin
      debootstrap iproute2 sudo curl procps psmisc ca-certificates openssl chromium libnginx-mod-stream
      ansible-core ansible ansible-lint python3-netaddr python3-passlib)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: missing Debian packages: ${missing[*]}; run as root or install them with apt-get" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}" >&2
  # Never start the packaged services on this machine (nginx on :80 and so on).
  # The lab runs them inside its own machines.
  created_policy=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    created_policy=1
  fi
  apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
  if ((created_policy)); then rm -f /usr/sbin/policy-rc.d; fi
fi

if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "setup: npm ci" >&2
  npm ci --no-audit --no-fund >&2
fi
echo "setup: building" >&2
npm run -s build >&2
