import Mustache from 'mustache';

/**
 * Renders a mustache template as plain text: no HTML escaping, since mails are plain text.
 * `partials` are the templates `{{> name}}` includes, such as those of `findingPartials`.
 */
export function renderText(template: string, view: unknown, partials: Record<string, string> = {}): string {
  return Mustache.render(template, view, partials, { escape: (value: unknown) => String(value) });
}
