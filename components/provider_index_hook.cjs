// Loaded into the jsii kernel's node process (NODE_OPTIONS=--require=<this file>) by
// components/provider_bindings.py. The provider package's lib/index.js runs
// `exports.<name> = require("./<name>")` for all ~2,135 resource modules, which costs the node side
// ~4 s per process; this turns each into a getter, so a module is required when the kernel first
// resolves a type in it (the kernel walks the exports by the type's FQN). Only the pinned package
// is touched, and a layout this does not recognise stops the process instead of loading slowly.
"use strict";
const Module = require("module");
const fs = require("fs");
const path = require("path");

const PACKAGE = "@cdktf/provider-aws";
const VERSION = "20.1.0"; // components/provider_bindings.py PINNED
const EAGER = /^exports\.([A-Za-z_$][\w$]*) = require\("(\.\/[a-z0-9-]+)"\);$/gm;
const MIN_MODULES = 1000;

// The provider's package.json when `filename` is its lib/index.js, else null (one read per index.js).
function providerManifest(filename) {
  if (path.basename(filename) !== "index.js" || path.basename(path.dirname(filename)) !== "lib") return null;
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(path.dirname(filename), "..", "package.json"), "utf8"));
    return manifest.name === PACKAGE ? manifest : null;
  } catch {
    return null;
  }
}

const compile = Module.prototype._compile;
Module.prototype._compile = function (content, filename) {
  const manifest = providerManifest(filename);
  if (manifest !== null) {
    if (manifest.version !== VERSION) {
      throw new Error(`${PACKAGE} ${manifest.version} loaded; provider_index_hook.cjs was checked against ${VERSION}`);
    }
    let count = 0;
    content = content.replace(EAGER, (_, name, spec) => {
      count += 1;
      return `Object.defineProperty(exports, ${JSON.stringify(name)}, { enumerable: true, configurable: true, get: () => require(${JSON.stringify(spec)}) });`;
    });
    if (count < MIN_MODULES) {
      throw new Error(`${filename}: ${count} 'exports.X = require("./x")' lines, expected at least ${MIN_MODULES}`);
    }
  }
  return compile.call(this, content, filename);
};
