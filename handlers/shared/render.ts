import Mustache from 'mustache';

/** Renders a mustache template as plain text: no HTML escaping, since mails are plain text. */
export function renderText(template: string, view: unknown): string {
  return Mustache.render(template, view, {}, { escape: (value: unknown) => String(value) });
}
