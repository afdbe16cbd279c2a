/** Longest address SMTP allows (RFC 5321: 254 characters in a forward path). */
const MAX_EMAIL_LENGTH = 254;
/** A pragmatic address check: one `@`, no spaces, a dot in the domain. */
const EMAIL = /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/;

/** True for an e-mail address SNS can subscribe, such as `ops@example.com`. */
export function isEmailAddress(value: string): boolean {
  return value.length <= MAX_EMAIL_LENGTH && EMAIL.test(value);
}
