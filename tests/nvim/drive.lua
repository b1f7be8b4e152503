-- Drives `mfac lsp` from neovim's own LSP client (neovim 0.7 or later,
-- headless), for tests/editor.rs: open, change, hover, definition,
-- completion, a code action, a code lens and its command, rename and
-- formatting. Every answer is written to MFAC_OUT as JSON; the Rust test
-- judges them. Nothing here asserts: a failure to answer is recorded.

local bin = os.getenv("MFAC_BIN")
local file = os.getenv("MFAC_POLICY")
local outpath = os.getenv("MFAC_OUT")
local out = { steps = {} }
local published = {}
local shown = {}

local function save()
  vim.fn.writefile({ vim.fn.json_encode(out) }, outpath)
end

local function step(name, value)
  table.insert(out.steps, name)
  out[name] = value
  save()
end

vim.cmd("edit " .. file)
local buf = vim.api.nvim_get_current_buf()
vim.bo[buf].filetype = "mfa"

local client_id = vim.lsp.start_client({
  name = "mfac",
  cmd = { bin, "lsp" },
  root_dir = vim.fn.fnamemodify(file, ":h"),
  handlers = {
    ["textDocument/publishDiagnostics"] = function(_, result)
      table.insert(published, result)
    end,
    ["window/showMessage"] = function(_, result)
      table.insert(shown, result.message)
    end,
  },
})
vim.lsp.buf_attach_client(buf, client_id)
local client = vim.lsp.get_client_by_id(client_id)

-- The codes of the latest diagnostics for a version after `after`.
local function diagnostics_after(after)
  local found = nil
  vim.wait(60000, function()
    for _, p in ipairs(published) do
      if (p.version or 0) > after then
        found = p
      end
    end
    return found ~= nil
  end, 20)
  if found == nil then
    return nil
  end
  local codes = {}
  for _, d in ipairs(found.diagnostics) do
    table.insert(codes, { code = d.code, message = d.message, line = d.range.start.line, range = d.range })
  end
  return { version = found.version, items = codes }
end

local function at(line, character)
  return { textDocument = { uri = vim.uri_from_bufnr(buf) }, position = { line = line, character = character } }
end

local function ask(method, params)
  local reply, err = client.request_sync(method, params, 60000, buf)
  if reply == nil then
    return { error = tostring(err) }
  end
  if reply.err ~= nil then
    return { error = reply.err.message }
  end
  return { result = reply.result }
end

local function text()
  return table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), "\n")
end

local function version()
  return vim.lsp.util.buf_versions[buf] or 0
end

-- 1. Open: the findings of the file as written (neovim opens at version 0).
local opened = diagnostics_after(-1)
step("opened", opened)

-- 2. The quick fix for the unknown factor, applied.
local unknown = nil
for _, d in ipairs((opened or { items = {} }).items) do
  if d.code == "E002" then
    unknown = d
  end
end
if unknown ~= nil then
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    range = unknown.range,
    context = { diagnostics = {} },
  }
  local actions = ask("textDocument/codeAction", params)
  step("code_action", actions)
  if actions.result and actions.result[1] then
    local before = version()
    vim.lsp.util.apply_workspace_edit(actions.result[1].edit, "utf-16")
    step("after_fix", { text = text(), diagnostics = diagnostics_after(before) })
  end
end

-- 3. Hover on `Admins` in its rule (line 2, column 8).
step("hover", ask("textDocument/hover", at(2, 8)))

-- 4. Definition of `Admins` from `includes` (line 3).
local line3 = vim.api.nvim_buf_get_lines(buf, 3, 4, false)[1]
local col = string.find(line3, "Admins", 1, true)
step("definition", ask("textDocument/definition", at(3, col)))

-- 5. Completion after `factors ` on a line typed at the end.
local before = version()
local last = vim.api.nvim_buf_line_count(buf)
vim.api.nvim_buf_set_lines(buf, last, last, false, { 'group "New" { factors ' })
step("typed", diagnostics_after(before))
step("completion", ask("textDocument/completion", at(last, 22)))
before = version()
vim.api.nvim_buf_set_lines(buf, last, last + 1, false, {})
step("untyped", diagnostics_after(before))

-- 6. The lenses, and the failing assertion's command.
local lenses = ask("textDocument/codeLens", { textDocument = { uri = vim.uri_from_bufnr(buf) } })
step("code_lens", lenses)
if lenses.result then
  for _, l in ipairs(lenses.result) do
    if l.command and l.command.command ~= "" then
      step("execute", ask("workspace/executeCommand", { command = l.command.command, arguments = l.command.arguments }))
      vim.wait(10000, function() return #shown > 0 end, 20)
      step("shown", shown)
    end
  end
end

-- 7. Rename `Staff` (line 3) to `Employees`, applied.
local line3b = vim.api.nvim_buf_get_lines(buf, 3, 4, false)[1]
local staff = string.find(line3b, "Staff", 1, true)
local renamed = ask("textDocument/rename", vim.tbl_extend("force", at(3, staff), { newName = "Employees" }))
step("rename", renamed)
if renamed.result then
  vim.lsp.util.apply_workspace_edit(renamed.result, "utf-16")
end
step("after_rename", text())

-- 8. Formatting of a messy line, applied.
vim.api.nvim_buf_set_lines(buf, 1, 2, false, { "default {enforcement optional    factors webauthn|totp}" })
local messy = text()
local formatted = ask("textDocument/formatting", { textDocument = { uri = vim.uri_from_bufnr(buf) }, options = { tabSize = 2, insertSpaces = true } })
if formatted.result then
  vim.lsp.util.apply_text_edits(formatted.result, buf, "utf-16")
end
step("formatting", { before = messy, after = text() .. "\n", error = formatted.error })

out.done = true
save()
vim.lsp.stop_client(client_id)
vim.wait(2000, function() return vim.lsp.client_is_stopped(client_id) end, 20)
vim.cmd("qa!")
