/** Reading handler configuration from environment variables, with errors that say what to fix. */

/** Thrown for a bad environment variable. The message names the variable, shows the value and says the fix. */
export class ConfigurationError extends Error {
  constructor(variable: string, value: string | undefined, expected: string, construct: string) {
    const shown = value === undefined ? 'is not set' : `is ${JSON.stringify(value.length > 200 ? value.slice(0, 197) + '...' : value)}`;
    super(`Invalid configuration: environment variable ${variable} ${shown}; ${expected}. `
      + `The ${construct} construct sets it: fix the construct's props, or the variable if you set it by hand.`);
    this.name = 'ConfigurationError';
  }
}

/** The ARN of a standard (not FIFO) SNS topic. */
export const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z]{2}(?:-[a-z]+)+-\d+:\d{12}:[A-Za-z0-9_-]{1,256}$/;
/** A DynamoDB table name. */
export const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

/** A reader of one construct's environment variables. */
export class Env {
  constructor(private readonly env: NodeJS.ProcessEnv, private readonly construct: string) {}

  /** Throws a {@link ConfigurationError} for `variable`. */
  public fail(variable: string, expected: string): never {
    throw new ConfigurationError(variable, this.env[variable], expected, this.construct);
  }

  /** A variable that must be set and match `pattern`. */
  public string(variable: string, pattern: RegExp, expected: string): string {
    const value = this.env[variable];
    if (value === undefined || value === '' || !pattern.test(value)) this.fail(variable, expected);
    return value;
  }

  /** The ARN of a standard SNS topic. */
  public topicArn(variable = 'TOPIC_ARN'): string {
    return this.string(variable, TOPIC_ARN, 'expected the ARN of a standard SNS topic, such as "arn:aws:sns:us-east-1:111111111111:alerts"');
  }

  /** The name of a DynamoDB table. */
  public tableName(variable = 'DEDUP_TABLE'): string {
    return this.string(variable, TABLE_NAME, 'expected the name of a DynamoDB table');
  }

  /** A positive integer, or `fallback` when the variable is not set. */
  public positiveInteger(variable: string, fallback: number): number {
    const value = this.env[variable];
    if (value === undefined || value === '') return fallback;
    if (!/^[1-9]\d*$/.test(value)) this.fail(variable, 'expected a positive integer');
    return Number(value);
  }

  /** One of `allowed`, or `fallback` when the variable is not set. */
  public oneOf(variable: string, allowed: readonly string[], fallback: string): string {
    const value = this.env[variable];
    if (value === undefined || value === '') return fallback;
    if (!allowed.includes(value)) this.fail(variable, `expected one of ${allowed.join(', ')}`);
    return value;
  }

  /** JSON that `validate` accepts (it returns what is wrong, or undefined). */
  public json<T>(variable: string, validate: (value: unknown) => string | undefined, expected: string): T {
    const text = this.env[variable];
    if (text === undefined || text === '') this.fail(variable, expected);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      this.fail(variable, `expected JSON (${(e as Error).message}): ${expected}`);
    }
    const problem = validate(value);
    if (problem) this.fail(variable, `${problem}: ${expected}`);
    return value as T;
  }
}
