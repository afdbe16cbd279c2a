/**
 * Amazon Inspector finding severities, worst first.
 *
 * @see https://docs.aws.amazon.com/inspector/latest/user/findings-understanding-severity.html
 */
export enum Severity {
  /** Critical. */
  CRITICAL = 'CRITICAL',
  /** High. */
  HIGH = 'HIGH',
  /** Medium. */
  MEDIUM = 'MEDIUM',
  /** Low. */
  LOW = 'LOW',
  /** Informational. */
  INFORMATIONAL = 'INFORMATIONAL',
  /** Not yet triaged by the vendor. */
  UNTRIAGED = 'UNTRIAGED',
}

/** The language of notification mails. */
export enum NotificationLocale {
  /** English. */
  EN = 'en',
  /** Japanese (the subject stays ASCII: SNS subjects must be). */
  JA = 'ja',
}
