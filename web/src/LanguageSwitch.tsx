// The language switch of the header, the sign-in page and the first-run page.
import { useIntl } from "react-intl";
import type { Locale } from "./messages.js";

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
