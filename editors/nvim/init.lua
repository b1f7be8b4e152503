-- mfac's language server for *.mfa files in neovim (0.7 or later).
-- Copy into your init.lua, or load it with `nvim -u editors/nvim/init.lua`.
-- `mfac` must be on PATH (or set MFAC to the binary).
local mfac = os.getenv("MFAC") or "mfac"

vim.cmd([[autocmd BufRead,BufNewFile *.mfa setfiletype mfa]])
vim.api.nvim_create_autocmd("FileType", {
  pattern = "mfa",
  callback = function(args)
    if vim.lsp.start then
      -- neovim 0.8+: one client per root, reused across buffers.
      vim.lsp.start({ name = "mfac", cmd = { mfac, "lsp" } })
    else
      -- neovim 0.7: start once, attach each buffer.
      _G.mfac_client = _G.mfac_client or vim.lsp.start_client({ name = "mfac", cmd = { mfac, "lsp" } })
      vim.lsp.buf_attach_client(args.buf, _G.mfac_client)
    end
    vim.bo[args.buf].commentstring = "# %s"
  end,
})
-- K shows hover (neovim's default mapping from 0.10; here for older ones).
vim.keymap.set("n", "K", vim.lsp.buf.hover)
