/** Checked access to the fields of an incoming event, with errors that name the field. */

/** Thrown for an event that lacks a field or has one of the wrong type. Nothing is published for it. */
export class InvalidEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidEventError';
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  const shown = JSON.stringify(value);
  return `${typeof value} ${shown.length > 80 ? shown.slice(0, 77) + '...' : shown}`;
}

/** A JSON object at `path`. */
export function requireObject(value: unknown, path: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidEventError(`Invalid event: ${path} is ${describe(value)}; expected an object.`);
  }
  return value as Record<string, unknown>;
}

/** A non-empty string at `path`. */
export function requireString(value: unknown, path: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new InvalidEventError(`Invalid event: ${path} is ${describe(value)}; expected a non-empty string.`);
  }
  return value;
}

/** A string at `path`, or undefined when absent or null. */
export function optionalString(value: unknown, path: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  return requireString(value, path);
}

/** An array at `path`. */
export function requireArray(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw new InvalidEventError(`Invalid event: ${path} is ${describe(value)}; expected an array.`);
  return value;
}

/** Checks `value` is one of `expected` at `path`. */
export function requireOneOf(value: unknown, path: string, expected: readonly string[]): string {
  if (typeof value !== 'string' || !expected.includes(value)) {
    throw new InvalidEventError(`Invalid event: ${path} is ${describe(value)}; expected ${expected.map((e) => JSON.stringify(e)).join(' or ')}.`);
  }
  return value;
}
