// pg-boss 12 and two of its dependencies are published as ES modules only. Node ≥ 20.19 loads
// them with require(), but jest's module loader (before Node 24.9) does not, so jest must compile
// them to CommonJS like our own sources. Spread into each jest project:
//   const esm = require('./tools/jest-esm-packages.cjs');
//   { ...shared, transform: { ...shared.transform, ...esm.transform }, transformIgnorePatterns: esm.transformIgnorePatterns }
const { swcOptions } = require('./swc-options.cjs');

const ESM_ONLY_PACKAGES = ['pg-boss', 'serialize-error', 'non-error', 'rrule-temporal'];

const base = swcOptions();
module.exports = {
  transform: {
    '^.+\\.js$': [
      '@swc/jest',
      {
        ...base,
        swcrc: false,
        // pg-boss reads its package.json with an import attribute (`with { type: 'json' }`).
        jsc: {
          ...base.jsc,
          parser: { syntax: 'ecmascript', importAttributes: true },
          experimental: { keepImportAttributes: false },
        },
      },
    ],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY_PACKAGES.join('|')})/)`],
};
