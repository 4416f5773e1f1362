// Compiles apps/, libs/, bench/ and chaos/ to dist/ with SWC (keeping the folder layout, so the
// `@portico/*` aliases become relative requires). Type checking is `npm run typecheck`.
// Usage: node tools/build.mjs [--quiet]
import { transformFile } from '@swc/core';
import { createRequire } from 'node:module';
import { copyFile, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

const require = createRequire(import.meta.url);
const { root, swcOptions } = require('./swc-options.cjs');
const SOURCES = ['apps', 'libs', 'bench', 'chaos'];
const SKIP = /\.(spec|medium-spec|e2e-spec|browser-spec)\.ts$|\.d\.ts$/;
const out = path.join(root, 'dist');
// Non-TypeScript files that code loads at run time (child-process scripts, SQL) are copied.
const ASSET = /\.(cjs|sql)$/;

async function* walk(dir) {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if (error.code === 'ENOENT') return;
    throw error;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') yield* walk(full);
    } else if ((entry.name.endsWith('.ts') && !SKIP.test(entry.name)) || ASSET.test(entry.name)) yield full;
  }
}

const started = process.hrtime.bigint();
const files = [];
for (const source of SOURCES) for await (const file of walk(path.join(root, source))) files.push(file);
await rm(out, { recursive: true, force: true });
const options = swcOptions();
await Promise.all(
  files.map(async (file) => {
    if (ASSET.test(file)) {
      const copy = path.join(out, path.relative(root, file));
      await mkdir(path.dirname(copy), { recursive: true });
      return copyFile(file, copy);
    }
    const target = path.join(out, path.relative(root, file)).replace(/\.ts$/, '.js');
    const result = await transformFile(file, {
      ...options,
      filename: file,
      outputPath: target,
      swcrc: false,
    });
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, `${result.code}\n//# sourceMappingURL=${path.basename(target)}.map\n`);
    if (result.map) await writeFile(`${target}.map`, result.map);
  }),
);
if (!process.argv.includes('--quiet')) {
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  console.log(`built ${files.length} files into dist/ in ${ms.toFixed(0)} ms`);
}
