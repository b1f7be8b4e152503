#!/usr/bin/env bash
# Has the tenant drifted from the policy in git? Import the tenant's
# Conditional Access export and compare its meaning, now, with the policy
# the repository holds. The nightly workflow (`entra-drift.yml`) fetches the
# export from Graph first; this script is the part that needs no network.
#
# usage: entra-drift.sh POLICY.mfa EXPORT_DIR [GROUPS_DIR]
# env:   MFAC      the mfac binary (default: mfac on PATH)
#        MFAC_AT   the instant compared (default: now)
# exit:  0 the tenant means what the policy says (no loosening either
#        way, `mfac diff --at --deny-loosening`); 1 it has drifted (which
#        way, and where the tenant asks less); 2 bad input
set -euo pipefail
mfac=${MFAC:-mfac}
policy=$1
export_dir=$2
groups=${3:-}
at=${MFAC_AT:-$(date -u +%Y-%m-%dT%H:%M:%SZ)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$mfac" import entra "$export_dir" ${groups:+--groups "$groups"} -o "$work/tenant.mfa" >/dev/null

# The same meaning both ways: the tenant asks no less than the policy
# (a loosening there is the dangerous drift), and no more.
looser=0
"$mfac" diff "$policy" "$work/tenant.mfa" --at "$at" --deny-loosening || looser=$?
stricter=0
"$mfac" diff "$work/tenant.mfa" "$policy" --at "$at" --deny-loosening >/dev/null || stricter=$?
for s in $looser $stricter; do
  case $s in 0|1) ;; *) exit "$s" ;; esac
done
if [ "$looser" = 0 ] && [ "$stricter" = 0 ]; then
  echo "no drift: the tenant means what $policy says at $at"
  exit 0
fi
if [ "$looser" = 1 ]; then
  echo "drift: the tenant asks less than $policy at $at (the loosenings above)"
else
  echo "drift: the tenant asks more than $policy at $at (run: mfac diff TENANT $policy --at $at --deny-loosening)"
fi
exit 1
