import Mustache from 'mustache';
import { escapeMarkdown, oneLine } from './markdown';

/** Renders a mustache template as plain text: no HTML escaping, since mails are plain text. */
export function renderText(template: string, view: unknown): string {
  return Mustache.render(template, view, {}, { escape: (value: unknown) => String(value) });
}

/**
 * Renders a plain-text mail from untrusted values: every `{{value}}` is put on one line (see
 * `oneLine`), so no value can start a line or a section of its own. Trusted blocks that span lines
 * (built by the handler, such as pretty-printed JSON, whose strings JSON already escapes) use
 * triple mustaches `{{{block}}}`.
 */
export function renderSafeText(template: string, view: unknown): string {
  return Mustache.render(template, view, {}, { escape: oneLine });
}

/**
 * Renders AWS Chatbot markdown from untrusted values: every `{{value}}` is escaped (see
 * `escapeMarkdown`); `{{{block}}}` is left as it is, for markdown the handler builds itself.
 */
export function renderMarkdown(template: string, view: unknown): string {
  return Mustache.render(template, view, {}, { escape: escapeMarkdown });
}
