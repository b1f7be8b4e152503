// Starts `mfac lsp` for .mfa files. Everything else (diagnostics, hover,
// definition, rename, completion, formatting, quick fixes, the assertion
// lenses and their command) is the server's: the client only connects.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("mfac").get("path") || "mfac";
  const server = { command, args: ["lsp"] };
  client = new LanguageClient(
    "mfac",
    "mfac",
    { run: server, debug: server },
    { documentSelector: [{ language: "mfa" }] }
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
