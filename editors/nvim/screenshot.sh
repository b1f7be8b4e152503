#!/usr/bin/env bash
# The README's screenshot: neovim in xterm under Xvfb (all from Debian:
# apt-get install neovim xterm xvfb imagemagick), editing a policy whose
# assertion fails, with the hover on the assertion showing the
# counterexample. Writes docs/nvim-hover.png.
#
#   cargo build --release && editors/nvim/screenshot.sh   (MFAC=path for another build)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
dir=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$dir"' EXIT
mkdir "$dir/policies"
cat > "$dir/policies/acme.mfa" <<'MFA'
default { enforcement optional factors webauthn | totp }
group "Administrators" { privileged enforcement required factors webauthn remember never }
group "Contractors" { includes "Administrators" enforcement optional remember 8h }

assert "contractors always asked" {
  for members of group "Contractors"
  always enforcement required
}
MFA
# After the first diagnostics: the cursor on the assertion's name, hover.
cat > "$dir/show.lua" <<'LUA'
vim.defer_fn(function()
  vim.wait(20000, function() return #vim.diagnostic.get(0) > 0 end, 50)
  vim.api.nvim_win_set_cursor(0, { 5, 10 })
  vim.lsp.buf.hover()
end, 500)
LUA
Xvfb :97 -screen 0 1180x600x24 &
sleep 1
cd "$dir"
DISPLAY=:97 MFAC="${MFAC:-$root/target/release/mfac}" xterm -geometry 118x30 -fa Monospace -fs 10 \
  -e nvim -u "$root/editors/nvim/init.lua" -c "luafile $dir/show.lua" policies/acme.mfa &
sleep 6
DISPLAY=:97 import -window root "$root/docs/nvim-hover.png"
echo "wrote docs/nvim-hover.png"
