// The CLI as one file: dist/cli/main.js, which bin/hapb loads, replaced by a
// bundle of it and every module it imports (ours and the packages'), after
// `tsc` has built dist/ (the load generator and the other modules stay as tsc
// wrote them). Node's ES module loader pays for every module, and hapb is
// ~240 of its own plus the packages': a bundle halves the CPU of every start
// (bench/cli-start.ts measures it). ssh2 and nunjucks stay
// packages: hapb loads them through createRequire (ssh2 has an optional native
// part; nunjucks' internals are reached by path). Paths a module finds from
// its own location are two levels under the package root in dist/ either way.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/cli/main.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['ssh2', 'nunjucks', 'cpu-features'],
  // the CommonJS packages in the bundle call require() for Node's own modules
  banner: { js: "import { createRequire as hapbCreateRequire } from 'node:module';\nconst require = hapbCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
