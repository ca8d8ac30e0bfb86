// The language switch, and the card the sign-in and first-run pages sit in.
import type { FormEvent, ReactNode } from "react";
import { FormattedMessage, useIntl } from "react-intl";
import type { Locale, MessageId } from "./messages.js";

export function LanguageSwitch({ locale, onLocale }: { locale: Locale; onLocale: (locale: Locale) => void }) {
  const intl = useIntl();
  return (
    <label className="language">
      <span className="sr-only">{intl.formatMessage({ id: "nav.language" })}</span>
      <select aria-label={intl.formatMessage({ id: "nav.language" })} value={locale} onChange={(e) => onLocale(e.target.value as Locale)}>
        <option value="en">English</option>
        <option value="ko">한국어</option>
      </select>
    </label>
  );
}

/** `<code>…</code>` in a message (a command, a path) rendered as code. */
export const CODE_TAGS = { code: (chunks: ReactNode[]) => <code>{chunks}</code> };

export function SignInCard({
  title,
  onSubmit,
  locale,
  onLocale,
  children,
}: {
  title: MessageId;
  onSubmit: (event: FormEvent) => void;
  locale: Locale;
  onLocale: (locale: Locale) => void;
  children: ReactNode;
}) {
  return (
    <main className="login">
      <form onSubmit={onSubmit} className="card">
        <h1>
          <FormattedMessage id={title} />
        </h1>
        {children}
        <LanguageSwitch locale={locale} onLocale={onLocale} />
      </form>
    </main>
  );
}
