import Mustache from 'mustache';
import { escapeMarkdown, oneLine } from './markdown';

/**
 * Renders a mustache template as plain text: no HTML escaping, since mails are plain text.
 * `partials` are the templates `{{> name}}` includes, such as those of `findingPartials`.
 */
export function renderText(template: string, view: unknown, partials: Record<string, string> = {}): string {
  return Mustache.render(template, view, partials, { escape: (value: unknown) => String(value) });
}

/**
 * Renders a plain-text mail from untrusted values: every `{{value}}` is put on one line (see
 * `oneLine`), so no value can start a line or a section of its own. Trusted blocks that span lines
 * (built by the handler, such as pretty-printed JSON, whose strings JSON already escapes) use
 * triple mustaches `{{{block}}}`. `partials` as for `renderText`.
 */
export function renderSafeText(template: string, view: unknown, partials: Record<string, string> = {}): string {
  return Mustache.render(template, view, partials, { escape: oneLine });
}

/**
 * Renders AWS Chatbot markdown from untrusted values: every `{{value}}` is escaped (see
 * `escapeMarkdown`); `{{{block}}}` is left as it is, for markdown the handler builds itself.
 */
export function renderMarkdown(template: string, view: unknown): string {
  return Mustache.render(template, view, {}, { escape: escapeMarkdown });
}
