// Jest transform that loads a template file as a string, as esbuild's `text` loader does in the bundle.
module.exports = {
  process(sourceText) {
    return { code: `module.exports = ${JSON.stringify(sourceText)};` };
  },
};
