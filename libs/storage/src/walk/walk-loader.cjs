// Loads a module of this library in a fresh JavaScript realm (a walker or checksum thread, or a
// child process in tests): the compiled `.js` when Portico runs from dist/, or the `.ts` source
// compiled on the fly with SWC, exactly as tools/build.mjs compiles it, when it runs from its
// sources (jest). As a worker thread's entry point it loads `workerData.module`.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { isMainThread, workerData } = require('node:worker_threads');

let typescriptRegistered = false;

function repositoryRoot(start) {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'tools', 'swc-options.cjs'))) return dir;
    if (dir === path.dirname(dir)) throw new Error(`walk-loader: no tools/swc-options.cjs above ${start}`);
  }
}

function registerTypeScript() {
  if (typescriptRegistered) return;
  typescriptRegistered = true;
  const { swcOptions } = require(path.join(repositoryRoot(__dirname), 'tools', 'swc-options.cjs'));
  const { transformSync } = require('@swc/core');
  const options = { ...swcOptions({ sourceMaps: false }), swcrc: false };
  // require.extensions is deprecated but is the one synchronous loader hook CommonJS offers.
  require.extensions['.ts'] = (module, filename) => {
    const { code } = transformSync(fs.readFileSync(filename, 'utf8'), { ...options, filename });
    module._compile(code, filename);
  };
}

/**
 * Requires `<name>.js`, or `<name>.ts` from the sources; `name` is relative to this folder
 * (`walk-thread.adapter`, `../hashing/hash-thread.adapter`) or absolute.
 */
function load(name) {
  const compiled = path.resolve(__dirname, `${name}.js`);
  if (fs.existsSync(compiled)) return require(compiled);
  registerTypeScript();
  return require(path.resolve(__dirname, `${name}.ts`));
}

/** Requires a TypeScript source file by its absolute path (tests running code in a child process). */
function loadFile(file) {
  registerTypeScript();
  return require(file);
}

module.exports = { load, loadFile };

if (!isMainThread && workerData && typeof workerData.module === 'string') load(workerData.module);
