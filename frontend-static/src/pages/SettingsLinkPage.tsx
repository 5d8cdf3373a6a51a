// #/settings-link?token=… — the customer's page, opened from the onboarding e-mail. The link's token is this
// page's bearer token (kept apart from an operator's sign-in, in its own sessionStorage key, and taken out of the
// address bar); it shows that one company's settings and nothing else — the API answers FORBIDDEN for the rest.
import { useEffect, useMemo, useState } from "preact/hooks";
import { ApiError, request } from "../api/client";
import type { Settings } from "../api/types";
import { SYSTEM_NAMES, useI18n } from "../i18n";
import { SETTINGS_LINK_INTEGRATION, type SettingsLinkData } from "../onboarding/operations";
import { useOnboardingText } from "../onboarding/strings";
import "../onboarding/onboarding.css";
import { navigate } from "../router";
import { SessionContext, storedLinkToken, storeLinkToken } from "../session";
import { IntegrationStatusBadge, Loading, PageTitle } from "../ui/components";
import { SettingsTab } from "./SettingsTab";

export function SettingsLinkPage({ query }: { query: URLSearchParams }) {
  const o = useOnboardingText();
  const { t } = useI18n();
  const fromUrl = query.get("token");
  // the token leaves the address bar (and the history) at once; this tab keeps it for reloads
  const [token, setToken] = useState<string | null>(() => fromUrl?.trim() || storedLinkToken());
  useEffect(() => {
    if (!fromUrl) return;
    storeLinkToken(fromUrl.trim());
    setToken(fromUrl.trim()); // another link opened in this tab replaces the one before
    navigate("#/settings-link", { replace: true });
  }, [fromUrl]);

  const [answer, setAnswer] = useState<{ data: SettingsLinkData | null; error: ApiError | null } | null>(null);
  useEffect(() => {
    setAnswer(null);
    if (!token) return;
    const abort = new AbortController();
    request(SETTINGS_LINK_INTEGRATION, {}, { token, signal: abort.signal, quiet: true })
      .then((data) => setAnswer({ data: data as SettingsLinkData, error: null }))
      .catch((err: unknown) => {
        if (abort.signal.aborted) return;
        setAnswer({ data: null, error: err instanceof ApiError ? err : new ApiError(String(err), "NETWORK") });
      });
    return () => abort.abort();
  }, [token]);
  const session = useMemo(() => (token ? { token, signOut: () => storeLinkToken(null) } : null), [token]);

  if (!token) {
    return (
      <section class="settings-link card">
        <PageTitle title={o.linkInvalid}>{o.linkInvalid}</PageTitle>
        <p>{o.linkMissing}</p>
      </section>
    );
  }
  if (!answer) return <Loading label={o.linkChecking} />;
  const integration = answer.data?.integrations[0];
  if (answer.error || !integration) {
    const refused = !answer.error || ["UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND"].includes(answer.error.code);
    return (
      <section class="settings-link card" data-testid="settings-link-invalid">
        <PageTitle title={o.linkInvalid}>{refused ? o.linkInvalid : t.networkError}</PageTitle>
        <div class="notice notice-bad" role="alert">
          <p>{refused ? o.linkInvalidText : t.networkError}</p>
        </div>
        {answer.error && <p class="help">{o.serverSaid}: {answer.error.message}</p>}
      </section>
    );
  }
  const [settings, setSettings] = [integration.settings, (s: Settings) => setAnswer({
    error: null, data: { integrations: [{ ...integration, settings: s }] },
  })];
  return (
    <section class="settings-link" data-testid="settings-link-page">
      <div class="page-head">
        <PageTitle title={`${integration.companyName} · ${o.linkTitle}`}>{integration.companyName}</PageTitle>
        <p class="flow">
          {SYSTEM_NAMES[integration.source]} → {SYSTEM_NAMES[integration.target]}
          {" "}<IntegrationStatusBadge status={integration.status} />
        </p>
      </div>
      <p>{o.linkIntro(integration.companyName)}</p>
      <SessionContext.Provider value={session!}>
        <SettingsTab integration={{ ...integration, connections: [], settings }} onSaved={setSettings} />
      </SessionContext.Provider>
    </section>
  );
}
