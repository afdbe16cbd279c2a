import type { MessageAttributeValue, PublishCommandInput } from '@aws-sdk/client-sns';

/** SNS rejects subjects of 100 characters or more. */
export const MAX_SUBJECT_LENGTH = 99;
/** SNS message size limit (message and attributes together). */
export const MAX_MESSAGE_BYTES = 262_144;
/** Room kept for message attributes and the JSON envelope. */
const ENVELOPE_RESERVE_BYTES = 4_096;
/**
 * Machine payloads above this size, measured as the envelope carries them (their JSON escaped once
 * more as a string), are replaced by a summary. Three protocols carry the payload, so it takes at
 * most 192 KB of the message and leaves room for the texts.
 */
export const MAX_DATA_BYTES = 65_536;
/** Halvings of the texts before giving up on them; each halves the length, so 64 covers any size. */
const MAX_HALVINGS = 64;
/** Longest chat title kept (AWS Chatbot shows one line). */
const MAX_CHAT_TITLE_CHARS = 250;

/** What every notification of this project carries, whatever the protocol of the subscriber. */
export interface Notification {
  /** Subject line; made printable ASCII and shortened by {@link safeSubject}. */
  readonly subject: string;
  /** Plain-text body for e-mail and the default protocol. */
  readonly text: string;
  /** Title of the AWS Chatbot custom notification. */
  readonly chatTitle: string;
  /** Markdown description of the AWS Chatbot custom notification. */
  readonly chatDescription: string;
  /** Structured payload for SQS, Lambda and e-mail-json subscribers. */
  readonly data: Record<string, unknown>;
  /** Message attributes that subscription filter policies match. */
  readonly attributes: NotificationAttributes;
}

/** The message attributes every notification sets. */
export interface NotificationAttributes {
  /**
   * Who made the change an alert reports: `deployment` for the stack's deployment role, `other`
   * for anyone else. Only tamper alerts set it.
   */
  readonly actor?: string;
  /** `scan`, `image-policy` or `tamper`. */
  readonly kind: string;
  /** Worst severity present (`CRITICAL` ... `UNTRIAGED`), or `NONE`. */
  readonly severity: string;
  /** Repository name (not its ARN). */
  readonly repository: string;
  /** Account the event comes from. */
  readonly account: string;
  /** `YES`, `NO` or `UNKNOWN`: whether a finding has a known exploit (see `urgencyOf`); left out when not set. */
  readonly exploitable?: string;
  /** `YES`, `PARTIAL`, `NO` or `UNKNOWN`: whether the findings have a fix (see `urgencyOf`); left out when not set. */
  readonly fixable?: string;
  /** Highest EPSS score (0 to 1), a Number attribute; left out when not set. */
  readonly epss?: number;
}

// C0 and C1 control characters except tab and newline, and DEL.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** Removes control characters (but tab and newline) from text that goes into a message body. */
export function stripControl(text: string): string {
  return text.replace(CONTROL, '');
}

/**
 * A subject SNS accepts: printable ASCII only, no line breaks, under 100 characters.
 * Accented letters lose their accents; other non-ASCII characters become `?`.
 */
export function safeSubject(text: string): string {
  const ascii = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/\s+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?')
    .trim();
  const subject = ascii || 'Notification';
  return subject.length <= MAX_SUBJECT_LENGTH ? subject : `${subject.slice(0, MAX_SUBJECT_LENGTH - 3).trimEnd()}...`;
}

/** Shortens text to at most `maxChars` characters, saying so at the end. */
export function truncate(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const note = '\n\n[... truncated: the message exceeded the SNS size limit]';
  return text.slice(0, Math.max(0, maxChars - note.length)) + note;
}

/** Longest attribute value kept: an ECR repository name has at most 256 characters. */
const MAX_ATTRIBUTE_LENGTH = 256;

/**
 * A String message attribute. Values stay whole (up to 256 characters, the longest repository
 * name), so a filter policy on the full repository name matches; control characters and line
 * breaks are removed. SNS rejects empty String attributes, hence "unknown".
 */
function attribute(value: string): MessageAttributeValue {
  const clean = stripControl(value).replace(/[\t\n]/g, ' ').trim().slice(0, MAX_ATTRIBUTE_LENGTH);
  return { DataType: 'String', StringValue: clean || 'unknown' };
}

/**
 * The message attributes of a notification: at most 8 of the 10 a raw-delivery SQS subscription
 * accepts (`actor` for tamper alerts, `exploitable`, `fixable` and `epss` for scan mails). A
 * Number attribute (`epss`) lets filter policies match numeric ranges.
 */
export function messageAttributes(a: NotificationAttributes): Record<string, MessageAttributeValue> {
  const out: Record<string, MessageAttributeValue> = {
    kind: attribute(a.kind),
    severity: attribute(a.severity),
    repository: attribute(a.repository),
    account: attribute(a.account),
  };
  if (a.actor !== undefined) out.actor = attribute(a.actor);
  if (a.exploitable !== undefined) out.exploitable = attribute(a.exploitable);
  if (a.fixable !== undefined) out.fixable = attribute(a.fixable);
  if (a.epss !== undefined && Number.isFinite(a.epss)) out.epss = { DataType: 'Number', StringValue: String(a.epss) };
  return out;
}

/** The size of `text` once JSON-escaped as a string value, as the envelope carries it. */
export function escapedBytes(text: string): number {
  return Buffer.byteLength(JSON.stringify(text));
}

function envelope(n: Notification, text: string, chatDescription: string, data: Record<string, unknown>): string {
  const dataJson = JSON.stringify(data);
  const title = stripControl(n.chatTitle).replace(/\s+/g, ' ');
  const chatbot = JSON.stringify({
    version: '1.0',
    source: 'custom',
    content: {
      textType: 'client-markdown',
      title: title.length <= MAX_CHAT_TITLE_CHARS ? title : `${title.slice(0, MAX_CHAT_TITLE_CHARS - 3)}...`,
      description: chatDescription,
    },
    metadata: { enableCustomActions: false },
  });
  return JSON.stringify({
    'default': text,
    'email': text,
    'email-json': dataJson,
    'sqs': dataJson,
    'lambda': dataJson,
    'https': chatbot,
  });
}

/**
 * The SNS Publish input for a notification: one message per protocol (MessageStructure json),
 * so e-mail gets plain text, AWS Chatbot (an https subscriber) its custom-notification JSON,
 * and SQS and Lambda the structured payload. Message attributes are the same for every protocol,
 * so filter policies work alike for all subscribers. The whole message stays under 256 KB:
 * a payload over 64 KB once escaped is summarised and long texts are truncated, with a note.
 * Always terminates: the texts are halved at most 64 times, and if the message still does not
 * fit, the payload is summarised and the texts become the truncation note.
 */
export function buildPublishInput(topicArn: string, n: Notification): PublishCommandInput {
  let text = stripControl(n.text);
  let chat = stripControl(n.chatDescription);
  const summary = {
    truncated: true,
    note: 'The payload exceeded 64 KB; the e-mail text has the details.',
    ...Object.fromEntries(Object.entries(n.attributes).map(([k, v]) => [k, attribute(String(v)).StringValue])),
  };
  let data = escapedBytes(JSON.stringify(n.data)) > MAX_DATA_BYTES ? summary : n.data;
  const fits = (m: string) => Buffer.byteLength(m) <= MAX_MESSAGE_BYTES - ENVELOPE_RESERVE_BYTES;
  let message = envelope(n, text, chat, data);
  for (let i = 0; i < MAX_HALVINGS && !fits(message); i++) {
    text = truncate(text, Math.floor(text.length / 2));
    chat = truncate(chat, Math.floor(chat.length / 2));
    message = envelope(n, text, chat, data);
  }
  if (!fits(message)) {
    data = summary;
    text = truncate(text, 0);
    chat = truncate(chat, 0);
    message = envelope(n, text, chat, data);
  }
  return {
    TopicArn: topicArn,
    Subject: safeSubject(n.subject),
    Message: message,
    MessageStructure: 'json',
    MessageAttributes: messageAttributes(n.attributes),
  };
}
