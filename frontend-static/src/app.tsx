// The shell: language, session, header with navigation, and the page for the current route.
import { useCallback, useEffect, useMemo, useState } from "preact/hooks";
import { closeLive, onUnauthenticated } from "./api/client";
import { I18nContext, initialLang, makeI18n, storeLang, type Lang } from "./i18n";
import { IntegrationPage } from "./pages/IntegrationPage";
import { IntegrationsPage } from "./pages/IntegrationsPage";
import { NotFound } from "./pages/NotFound";
import { SettingsLinkPage } from "./pages/SettingsLinkPage";
import { OnboardingWizard } from "./onboarding/OnboardingWizard";
import { useOnboardingText } from "./onboarding/strings";
import { SignInPage } from "./pages/SignInPage";
import { currentRoute, href, navigate, useRoute } from "./router";
import { SessionContext, storedToken, storeToken } from "./session";
import { TransferLog } from "./transfers/TransferLog";

export function App() {
  const [lang, setLangState] = useState<Lang>(initialLang);
  const [token, setToken] = useState<string | null>(storedToken);
  const [notice, setNotice] = useState<"sessionEnded" | null>(null);
  const route = useRoute();

  const setLang = useCallback((l: Lang) => {
    storeLang(l);
    setLangState(l);
  }, []);
  useEffect(() => storeLang(lang), []);
  const i18n = useMemo(() => makeI18n(lang, setLang), [lang, setLang]);

  const signOut = useCallback(() => {
    storeToken(null);
    closeLive();
    setToken(null);
  }, []);
  useEffect(() => onUnauthenticated(() => {
    if (currentRoute().segments[0] === "settings-link") return; // a customer's link, not the signed-in session
    if (storedToken()) setNotice("sessionEnded");
    signOut();
  }), [signOut]);

  const signIn = (value: string) => {
    storeToken(value);
    setNotice(null);
    setToken(value); // the page asked for opens; from #/sign-in or #/ the effect below goes to the integrations
  };

  const session = useMemo(() => (token ? { token, signOut } : null), [token, signOut]);
  const t = i18n.t;
  const o = useOnboardingText(i18n.lang);
  const [first, second, third, fourth] = route.segments;

  let page;
  const linkPage = first === "settings-link";
  if (linkPage) {
    page = <SettingsLinkPage query={route.query} />; // its own token (the link's), whoever is signed in
  } else if (!session) {
    page = <SignInPage onSignedIn={signIn} notice={notice ? t[notice] : null} />;
  } else if (!first || first === "sign-in") {
    page = null; // redirected by the effect below
  } else if (first === "integrations" && !second) {
    page = <IntegrationsPage />;
  } else if (first === "onboard" && !second) {
    page = <OnboardingWizard id={null} step={null} />;
  } else if (first === "integrations" && second && third === "onboarding") {
    page = <OnboardingWizard id={second} step={fourth ?? null} />;
  } else if (first === "integrations" && second) {
    page = <IntegrationPage id={second} tab={third ?? "overview"} transferId={fourth ?? null} query={route.query} />;
  } else if (first === "transfers" && !third) {
    page = <TransferLog integrationId={null} transferId={second ?? null} query={route.query} title={t.navTransfers} />;
  } else {
    page = <NotFound />;
  }
  useEffect(() => {
    if (session && (!first || first === "sign-in")) navigate(href(["integrations"]), { replace: true });
  }, [session, first]);
  const section = first === "transfers" ? "transfers" : first === "onboard" || third === "onboarding" ? "onboard"
    : first === "integrations" ? "integrations" : null;

  return (
    <I18nContext.Provider value={i18n}>
      <a class="skip-link" href="#main" onClick={(e) => {
        e.preventDefault();
        document.querySelector<HTMLElement>("#main h1")?.focus();
      }}>{t.skipToContent}</a>
      <header class="app-header">
        <a class="brand" href={linkPage ? "#/settings-link" : href(["integrations"])}>bokbro</a>
        {session && !linkPage && (
          <nav aria-label={t.mainNav} class="main-nav">
            <a href={href(["integrations"])} aria-current={section === "integrations" ? "page" : undefined}>
              {t.navIntegrations}
            </a>
            <a href={href(["transfers"])} aria-current={section === "transfers" ? "page" : undefined}>
              {t.navTransfers}
            </a>
            <a href={href(["onboard"])} aria-current={section === "onboard" ? "page" : undefined}>{o.navOnboard}</a>
          </nav>
        )}
        <div class="header-tools">
          <div class="lang-switch" role="group" aria-label={t.language}>
            <button type="button" lang="en" aria-pressed={lang === "en"} onClick={() => setLang("en")}>English</button>
            <button type="button" lang="nb" aria-pressed={lang === "nb"} onClick={() => setLang("nb")}>Norsk</button>
          </div>
          {session && !linkPage && <button type="button" class="button button-quiet" onClick={signOut}>{t.signOut}</button>}
        </div>
      </header>
      <main id="main" class={section === "transfers" || third === "transfers" ? "main main-wide" : "main"}>
        {session && !linkPage ? <SessionContext.Provider value={session}>{page}</SessionContext.Provider> : page}
      </main>
    </I18nContext.Provider>
  );
}
