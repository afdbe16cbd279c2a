import * as fs from 'fs';
import * as path from 'path';
import * as lambda from 'aws-cdk-lib/aws-lambda';

/**
 * The directory holding the pre-built bundle of a handler: `dist/handlers/<name>`.
 * Works from the compiled library (`dist/lib/private`) and from the TypeScript sources
 * (`lib/private`, as tests and `ts-node` load them).
 */
export function handlerDir(name: string): string {
  const candidates = [
    path.join(__dirname, '..', '..', 'handlers', name),
    path.join(__dirname, '..', '..', 'dist', 'handlers', name),
  ];
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, 'index.js')));
  if (!found) {
    throw new Error(`The bundle of handler "${name}" is missing (looked in ${candidates.join(', ')}): run "npm run build" first.`);
  }
  return found;
}

/** Lambda code of a pre-built handler bundle; users never need esbuild or Docker. */
export function handlerCode(name: string): lambda.Code {
  return lambda.Code.fromAsset(handlerDir(name));
}
