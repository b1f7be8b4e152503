#!/usr/bin/env bash
# The policy review that CI and the pre-commit hook both run:
#   check (annotations in GitHub), fmt --check, the policy unit tests, and,
#   given a base revision, a dry run of the change for every policy that has
#   a directory beside it, written as markdown for the pull request, and the
#   proof that the change loosens nobody (`mfac diff --deny-loosening`): a
#   loosening fails the run unless the change is marked as intended.
#
# usage: mfa-policy-ci.sh [BASE_REV]
# env:   MFAC            the mfac binary (default: mfac on PATH)
#        MFAC_POLICIES   the policy folder (default: policies)
#        MFAC_REPORT     where the simulation markdown goes (default: mfac-simulate.md)
#        MFAC_FORMAT     check output: github in Actions, human elsewhere
#        MFAC_AT, MFAC_TODAY  fix the instant and date (tests; default: now)
#        MFAC_ALLOW_LOOSENING  `true` when the change is meant to loosen (the
#                        workflow sets it from the pull request's label
#                        `mfa-loosening-intended`); the loosenings are still
#                        reported
set -euo pipefail
mfac=${MFAC:-mfac}
dir=${MFAC_POLICIES:-policies}
report=${MFAC_REPORT:-mfac-simulate.md}
format=${MFAC_FORMAT:-$([ -n "${GITHUB_ACTIONS:-}" ] && echo github || echo human)}
base=${1:-}

"$mfac" check "$dir" --format "$format" ${MFAC_TODAY:+--today "$MFAC_TODAY"}
"$mfac" fmt --check "$dir"
"$mfac" test "$dir"

if [ -n "$base" ]; then
  : > "$report"
  for policy in "$dir"/*.mfa; do
    users=$(ls "${policy%.mfa}".users.* 2>/dev/null | head -n 1 || true)
    [ -n "$users" ] || continue
    # A policy new in this change has no base to compare with.
    git cat-file -e "$base:./$policy" 2>/dev/null || continue
    "$mfac" simulate "$policy" --directory "$users" --base-rev "$base" --risks \
      --format markdown --quiet ${MFAC_AT:+--at "$MFAC_AT"} >> "$report"
    echo >> "$report"
  done
  echo "simulation written to $report"

  loosened=()
  for policy in "$dir"/*.mfa; do
    git cat-file -e "$base:./$policy" 2>/dev/null || continue
    # Exit 1 is a loosening (the markdown says which, with a counterexample);
    # anything else is an error of its own.
    status=0
    "$mfac" diff "$policy" --base-rev "$base" --deny-loosening --format markdown \
      >> "$report" || status=$?
    echo >> "$report"
    case $status in
      0) ;;
      1) loosened+=("$policy") ;;
      *) exit "$status" ;;
    esac
  done
  if [ ${#loosened[@]} -gt 0 ]; then
    if [ "${MFAC_ALLOW_LOOSENING:-}" = true ]; then
      echo "loosening marked as intended: ${loosened[*]} (see $report)"
    else
      echo "this change loosens MFA for some logins: ${loosened[*]} (see $report)" >&2
      echo "if that is intended, mark the pull request (label mfa-loosening-intended)" >&2
      exit 1
    fi
  fi
fi
