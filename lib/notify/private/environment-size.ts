import { StringConcat, Token, Tokenization } from 'aws-cdk-lib';

/** Lambda's limit on the environment variables of a function, keys and values together. */
export const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;

/** The shortest and the longest repository name ECR allows. */
export const MIN_REPOSITORY_NAME_LENGTH = 2;
export const MAX_REPOSITORY_NAME_LENGTH = 256;

/** How many characters each deploy-time value (token) is counted as. */
export interface TokenLengths {
  /** A repository name known only at deploy time. */
  readonly repositoryName: number;
  /** Any other deploy-time value, such as the topic ARN. */
  readonly other: number;
}

/**
 * `value` with every token replaced by `length` characters, so the size of a value with
 * deploy-time parts can be bounded at synth time.
 */
export function placeholderTokens(value: string, length: number): string {
  if (!Token.isUnresolved(value)) return value;
  return Tokenization.reverseString(value)
    .mapTokens({ mapToken: () => 'x'.repeat(length) })
    .join(new StringConcat());
}

/**
 * The size in bytes of a function environment as Lambda counts it against its 4 KB limit.
 * Measured as the UTF-8 JSON of the variables (keys, values and the quoting around them), a
 * slight overestimate of keys plus values. `repositoryNames`, when given, is rendered as the
 * `REPOSITORY_NAMES` JSON array the handler reads.
 */
export function environmentBytes(env: Record<string, string>, repositoryNames: readonly string[] | undefined, tokens: TokenLengths): number {
  const rendered: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    rendered[key] = placeholderTokens(value, tokens.other);
  }
  if (repositoryNames) {
    rendered.REPOSITORY_NAMES = JSON.stringify(repositoryNames.map((name) => placeholderTokens(name, tokens.repositoryName)));
  }
  return Buffer.byteLength(JSON.stringify(rendered), 'utf8');
}
