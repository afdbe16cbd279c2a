/** Templates are bundled as text: esbuild's `text` loader in the build, a jest transform in tests. */
declare module '*.mustache' {
  const text: string;
  export default text;
}
