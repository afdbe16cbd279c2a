import findingChatEn from '../../templates/finding.chat.en.mustache';
import findingChatJa from '../../templates/finding.chat.ja.mustache';
import findingEn from '../../templates/finding.en.mustache';
import findingJa from '../../templates/finding.ja.mustache';

/** Languages of the mails. */
export type MailLocale = 'en' | 'ja';

const PARTIALS: Record<MailLocale, Readonly<Record<string, string>>> = {
  en: { finding: findingEn, findingChat: findingChatEn },
  ja: { finding: findingJa, findingChat: findingChatJa },
};

/**
 * The mustache partials that render one `FindingView` (see `finding-view.ts`), in a language:
 * `finding` (plain-text mail, several lines, indented by the including line) and `findingChat`
 * (one chat line). Every mail that lists findings renders them with these, custom templates too.
 */
export function findingPartials(locale: MailLocale): Record<string, string> {
  return { ...PARTIALS[locale] };
}
