import type { PublishCommandInput } from '@aws-sdk/client-sns';

/** SNS message size limit: the message and its attributes together. */
export const SNS_MAX_BYTES = 262_144;

// C0 and C1 control characters and DEL, except tab and newline.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

/** What SNS would count against its 256 KB limit: the message plus every attribute's name, type and value. */
export function snsBytes(input: PublishCommandInput): number {
  let bytes = Buffer.byteLength(input.Message ?? '');
  for (const [name, value] of Object.entries(input.MessageAttributes ?? {})) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '') + Buffer.byteLength(value.StringValue ?? '');
  }
  return bytes;
}

/**
 * Throws, with the reason, unless SNS would accept the Publish input and every subscriber gets
 * something readable: a subject of printable ASCII that starts with a visible character, under
 * 100 characters and on one line; a JSON message structure whose `default`, `email`, `sqs`,
 * `lambda`, `email-json` and `https` values are strings (the last four valid JSON); no control
 * characters in the plain text; message and attributes under 256 KB; non-empty printable attributes.
 */
export function assertSafePublish(input: PublishCommandInput): void {
  const subject = input.Subject ?? '';
  if (!/^[\x21-\x7e][\x20-\x7e]{0,98}$/.test(subject)) {
    throw new Error(`subject SNS would reject (${subject.length} chars): ${JSON.stringify(subject.slice(0, 120))}`);
  }
  const bytes = snsBytes(input);
  if (bytes > SNS_MAX_BYTES) throw new Error(`message of ${bytes} bytes, over the SNS limit of ${SNS_MAX_BYTES}`);
  if (input.MessageStructure !== 'json') throw new Error(`MessageStructure is ${input.MessageStructure}, expected json`);
  const structure = JSON.parse(input.Message ?? '');
  for (const key of ['default', 'email', 'email-json', 'sqs', 'lambda', 'https']) {
    if (typeof structure[key] !== 'string') throw new Error(`message has no string "${key}"`);
  }
  for (const key of ['email-json', 'sqs', 'lambda', 'https']) JSON.parse(structure[key]);
  const chat = JSON.parse(structure.https);
  if (chat.version !== '1.0' || chat.source !== 'custom' || typeof chat.content?.description !== 'string') {
    throw new Error(`https message is no AWS Chatbot custom notification: ${structure.https.slice(0, 200)}`);
  }
  for (const key of ['default', 'email']) {
    const match = CONTROL.exec(structure[key]);
    if (match) throw new Error(`the ${key} text has control character U+${match[0].charCodeAt(0).toString(16).padStart(4, '0')}`);
  }
  if (CONTROL.test(chat.content.description) || CONTROL.test(chat.content.title ?? '')) throw new Error('the chat message has control characters');
  for (const name of ['kind', 'severity', 'repository', 'account']) {
    const value = input.MessageAttributes?.[name];
    if (!value || value.DataType !== 'String' || !value.StringValue || CONTROL.test(value.StringValue) || value.StringValue.length > 256) {
      throw new Error(`message attribute ${name} is missing or unsafe: ${JSON.stringify(value)}`);
    }
  }
}

/**
 * Throws unless `err` is a clear error: an Error with a name and a message that names `field`
 * (when given), not a TypeError or RangeError from deep inside the handler.
 */
export function assertClearError(err: unknown, field?: string): void {
  if (!(err instanceof Error)) throw new Error(`threw a non-Error: ${String(err)}`);
  if (!err.message || err.message.length < 20) throw new Error(`error without a useful message: ${err.name}: ${err.message}`);
  if (['TypeError', 'RangeError', 'SyntaxError', 'ReferenceError'].includes(err.name)) {
    throw new Error(`crashed instead of rejecting the event: ${err.name}: ${err.message}`);
  }
  if (err.name !== 'InvalidScanEventError') throw new Error(`unexpected error ${err.name}: ${err.message}`);
  const named = (err as Error & { field?: string }).field;
  if (typeof named !== 'string' || !err.message.includes(named)) throw new Error(`the error names no field: ${err.message}`);
  if (field !== undefined && named !== field) throw new Error(`the error names ${named}, expected ${field}: ${err.message}`);
}
