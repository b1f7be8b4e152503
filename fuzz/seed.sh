#!/usr/bin/env bash
# Fill fuzz/corpus/ with seeds from the project's own policies, fixtures and
# directories (the corpus itself is not committed: it grows as fuzzing runs).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p fuzz/corpus/check fuzz/corpus/artifact fuzz/corpus/directory
cp policies/*.mfa tests/fixtures/checks/*.mfa fuzz/corpus/check/ 2>/dev/null || true
for p in policies/*.mfa; do
  out="fuzz/corpus/artifact/$(basename "$p" .mfa).json"
  cargo run -q -- compile "$p" -o "$out"
  # The bare tables too, for the validation behind the checksum.
  python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["policy"]))' "$out" > "${out%.json}.tables.json"
done
cp policies/*.users.* tests/fixtures/checks/*.users.* fuzz/corpus/directory/ 2>/dev/null || true
echo "seeded: $(ls fuzz/corpus/check | wc -l) policies, $(ls fuzz/corpus/artifact | wc -l) artifacts, $(ls fuzz/corpus/directory | wc -l) directories"
