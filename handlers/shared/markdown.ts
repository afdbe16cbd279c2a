/**
 * Untrusted text (fields of events: user agents, descriptions, package names, finding titles)
 * made safe for the two renderings of a notification: one line of plain text for the mail, and
 * escaped markdown for AWS Chatbot. Neither lets a field start a line of its own, so a field can
 * never forge a section ("Links", "Request parameters") of the message.
 */
import { stripControl } from './notification';

/** Line breaks of every kind: CR, LF, NEL, the Unicode line and paragraph separators. */
const LINE_BREAKS = /[\r\n\u0085\u2028\u2029]+/g;

/**
 * One line of plain text: line breaks become ` / `, control characters are removed, and runs of
 * blanks collapse. For fields that go into a plain-text mail.
 */
export function oneLine(value: unknown): string {
  return stripControl(String(value).replace(LINE_BREAKS, ' / ')).replace(/[\t ]+/g, ' ').trim();
}

/** Markdown punctuation that formats, links or opens a code span (CommonMark and Slack). */
const MARKDOWN_SPECIAL = /[\\`*_~[\]()#|!]/g;
/** HTML-like characters: entities in both CommonMark and Slack, where `<...>` makes links and mentions. */
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/**
 * Escaped markdown on one line (see `oneLine`): markdown punctuation (`*`, `_`, `~`, `` ` ``,
 * `[`, `]`, `(`, `)`, `#`, `|`, `!`, `\\`) gets a backslash, `&`, `<` and `>` become entities (so
 * no `<https://...|text>` link and no `<!channel>` mention), and `://` is broken with a backslash
 * so a bare URL is not turned into a link. The text shows as written and cannot open a heading, a
 * list, a code block, a link or a mention, nor start a line of its own.
 */
export function escapeMarkdown(value: unknown): string {
  return oneLine(value)
    .replace(MARKDOWN_SPECIAL, (c) => `\\${c}`)
    .replace(/[&<>]/g, (c) => ENTITIES[c])
    .replace(/:\/\//g, '\\://');
}
