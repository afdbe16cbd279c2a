/**
 * Lets Node load `templates/*.mustache` as text, as esbuild's text loader does in the bundles, so
 * benches can run handler code from the TypeScript sources. Import it before any handler module.
 */
import * as fs from 'fs';

// eslint-disable-next-line @typescript-eslint/no-require-imports
require.extensions['.mustache'] = (module, filename) => {
  (module as NodeJS.Module).exports = fs.readFileSync(filename, 'utf8');
};
