#!/usr/bin/env bash
# Run by `make test` before the suite: the system tools the tests use (Debian packages), PostgreSQL's
# server among them (scripts/test-postgres.sh starts a throwaway cluster for the second pass).
# Missing ones are installed when this user can (root, or sudo without a password); otherwise the
# script stops, before any test runs, with one line saying what to install.
#
# The paths can be pointed elsewhere (the script's own tests do): FAQBOT_TEST_CHROMIUM,
# FAQBOT_TEST_CHROMEDRIVER, FAQBOT_TEST_FONT, FAQBOT_TEST_FAKETIME, FAQBOT_TEST_INITDB (PostgreSQL's
# initdb; by default any /usr/lib/postgresql/*/bin/initdb); FAQBOT_TEST_INSTALLER replaces
# the apt-get command ("" = cannot install).
set -uo pipefail

CHROMIUM=${FAQBOT_TEST_CHROMIUM:-/usr/bin/chromium}
CHROMEDRIVER=${FAQBOT_TEST_CHROMEDRIVER:-/usr/bin/chromedriver}
FONT=${FAQBOT_TEST_FONT:-/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf}
FAKETIME=${FAQBOT_TEST_FAKETIME:-faketime}
INITDB=${FAQBOT_TEST_INITDB:-}

missing_packages() {
  local out=()
  [ -x "$CHROMIUM" ] || out+=(chromium)
  [ -x "$CHROMEDRIVER" ] || out+=(chromium-driver)
  [ -f "$FONT" ] || out+=(fonts-ipafont-gothic)
  command -v "$FAKETIME" >/dev/null 2>&1 || out+=(faketime)
  if [ -n "$INITDB" ]; then
    [ -x "$INITDB" ] || out+=(postgresql)
  else
    compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || out+=(postgresql)
  fi
  echo "${out[*]:-}"
}

missing=$(missing_packages)
[ -z "$missing" ] && exit 0

if [ -n "${FAQBOT_TEST_INSTALLER+set}" ]; then
  installer=$FAQBOT_TEST_INSTALLER
elif [ "$(id -u)" = 0 ]; then
  installer="apt-get"
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  installer="sudo apt-get"
else
  installer=""
fi

stop() {
  echo "テストに必要なパッケージがありません。管理者権限で次を実行してから make test をやり直してください / missing test tools, run first: sudo apt-get install -y $1" >&2
  exit 1
}

[ -z "$installer" ] && stop "$missing"

echo "テスト用のパッケージを入れます / installing test tools: $missing" >&2
# shellcheck disable=SC2086  # the installer and the package list are word lists
if ! { $installer update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $installer install -y -qq $missing >/dev/null; }; then
  stop "$missing"
fi
still=$(missing_packages)
[ -n "$still" ] && stop "$still"
exit 0
