// One source of truth for how TypeScript becomes JavaScript: the SWC options (used by the
// build and by jest) and the module aliases are derived from tsconfig.base.json's `paths`.
const path = require('node:path');
const fs = require('node:fs');

const root = path.resolve(__dirname, '..');
const tsconfig = JSON.parse(fs.readFileSync(path.join(root, 'tsconfig.base.json'), 'utf8'));
const paths = tsconfig.compilerOptions.paths;

function swcOptions({ sourceMaps = true } = {}) {
  return {
    sourceMaps,
    module: { type: 'commonjs', strict: true },
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      keepClassNames: true,
      baseUrl: root,
      paths,
    },
  };
}

/** jest moduleNameMapper: `@portico/x` → `<rootDir>/libs/x/src/index.ts`. */
function jestModuleNameMapper() {
  const mapper = {};
  for (const [alias, [target]] of Object.entries(paths)) {
    mapper[`^${alias.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`] = `<rootDir>/${target}`;
  }
  return mapper;
}

module.exports = { root, paths, swcOptions, jestModuleNameMapper };
