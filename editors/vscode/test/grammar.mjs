// Tokenizes .mfa files with the extension's TextMate grammar, as VS Code
// does (vscode-textmate on the Oniguruma engine), and prints every token
// with its scopes as JSON: tests/vscode.rs holds them to mfac's own lexer.
//
//   node test/grammar.mjs FILE...
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import oniguruma from "vscode-oniguruma";
import textmate from "vscode-textmate";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const wasm = readFileSync(join(dirname(require.resolve("vscode-oniguruma")), "onig.wasm"));
await oniguruma.loadWASM(wasm.buffer);

const registry = new textmate.Registry({
  onigLib: Promise.resolve({
    createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
    createOnigString: (s) => new oniguruma.OnigString(s),
  }),
  loadGrammar: async () =>
    textmate.parseRawGrammar(readFileSync(join(here, "../syntaxes/mfa.tmLanguage.json"), "utf8"), "mfa.tmLanguage.json"),
});
const grammar = await registry.loadGrammar("source.mfa");

const out = {};
for (const file of process.argv.slice(2)) {
  const tokens = [];
  let state = textmate.INITIAL;
  readFileSync(file, "utf8").split("\n").forEach((text, line) => {
    const r = grammar.tokenizeLine(text, state);
    for (const t of r.tokens) {
      tokens.push({ line, start: t.startIndex, end: t.endIndex, scopes: t.scopes });
    }
    state = r.ruleStack;
  });
  out[file] = tokens;
}
process.stdout.write(JSON.stringify(out));
