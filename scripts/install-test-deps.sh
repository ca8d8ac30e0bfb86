#!/usr/bin/env bash
# Debian packages the tests use: Dovecot (a real IMAP server), Chromium and fonts (the console in a real
# browser), PostgreSQL, Postfix with Dovecot's LMTP (replies delivered into test mailboxes).
# Installed only when missing; needs root (or sudo) on a Debian machine.
set -euo pipefail
need=()
command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ] || need+=(dovecot-imapd)
[ -x /usr/sbin/postfix ] || need+=(postfix)
[ -x /usr/lib/dovecot/lmtp ] || need+=(dovecot-lmtpd)
# Integration code runs in bubblewrap's namespaces (src/platform/runner/namespace.ts); its tests need it.
command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v tinyproxy >/dev/null 2>&1 || need+=(tinyproxy)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -d /usr/share/fonts/truetype/nanum ] || need+=(fonts-nanum)
[ ${#need[@]} -eq 0 ] && exit 0
echo "installing Debian packages: ${need[*]}"
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
# Postfix asks how to configure itself: the tests write their own configuration.
echo 'postfix postfix/main_mailer_type select No configuration' | $SUDO debconf-set-selections
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
