/** Log levels, least severe first. */
const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
/** A log level. */
export type LogLevel = (typeof LEVELS)[number];

/** Fields added to a log record. */
export type LogFields = Record<string, unknown>;

/** A structured logger: one JSON object per line on stdout, which CloudWatch Logs Insights can query. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every record. */
  child(fields: LogFields): Logger;
}

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Fields of every record. */
  readonly fields?: LogFields;
  /** Lowest level written. @default LOG_LEVEL from the environment, else `info` */
  readonly level?: LogLevel;
  /** Where lines go. @default process.stdout */
  readonly write?: (line: string) => void;
}

/** The fields that describe an error: its name, message and, for AWS SDK errors, the HTTP status and request id. */
export function errorFields(err: unknown): LogFields {
  if (!(err instanceof Error)) return { errorName: 'NonError', errorMessage: String(err) };
  const meta = (err as { $metadata?: { httpStatusCode?: number; requestId?: string } }).$metadata;
  return {
    errorName: err.name,
    errorMessage: err.message,
    ...(meta?.httpStatusCode !== undefined ? { httpStatusCode: meta.httpStatusCode } : {}),
    ...(meta?.requestId ? { requestId: meta.requestId } : {}),
  };
}

function levelFromEnv(): LogLevel {
  const value = (process.env.LOG_LEVEL ?? process.env.AWS_LAMBDA_LOG_LEVEL ?? 'info').toLowerCase();
  return (LEVELS as readonly string[]).includes(value) ? (value as LogLevel) : 'info';
}

/** Creates a {@link Logger}. Small on purpose: handlers bundle no logging library. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const fields = options.fields ?? {};
  const min = LEVELS.indexOf(options.level ?? levelFromEnv());
  const write = options.write ?? ((line: string) => process.stdout.write(line + '\n'));
  const log = (level: LogLevel) => (message: string, extra: LogFields = {}) => {
    if (LEVELS.indexOf(level) < min) return;
    write(JSON.stringify({ time: new Date().toISOString(), level: level.toUpperCase(), message, ...fields, ...extra }));
  };
  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: (more) => createLogger({ ...options, fields: { ...fields, ...more } }),
  };
}
