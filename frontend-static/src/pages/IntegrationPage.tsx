import { INTEGRATION } from "../api/operations";
import type { Integration } from "../api/types";
import { SYSTEM_NAMES, useI18n, type Dict } from "../i18n";
import { href } from "../router";
import { useQuery } from "../session";
import { TransferLog } from "../transfers/TransferLog";
import { ErrorBox, IntegrationStatusBadge, Loading, PageTitle } from "../ui/components";
import { NotFound } from "./NotFound";
import { OverviewTab } from "./OverviewTab";
import { OnboardingLink } from "../onboarding/OnboardingLink";
import { ReconciliationTab } from "./ReconciliationTab";
import { SettingsTab } from "./SettingsTab";

/**
 * The integration's sections, in order. The onboarding wizard, the initial sync and reconciliation are added
 * here as further tabs (and a route each) when their API lands.
 */
const TABS: { id: string; label: (t: Dict) => string }[] = [
  { id: "overview", label: (t) => t.tabOverview },
  { id: "settings", label: (t) => t.tabSettings },
  { id: "transfers", label: (t) => t.tabTransfers },
  { id: "reconciliation", label: (t) => t.tabReconciliation },
];

export function IntegrationPage({ id, tab, transferId, query }: {
  id: string; tab: string; transferId: string | null; query: URLSearchParams;
}) {
  const { t } = useI18n();
  const { data, error, loading, reload, setData } = useQuery(INTEGRATION, { id });
  const integration = data?.integration;

  if (!TABS.some((x) => x.id === tab)) return <NotFound />;
  if (loading && !data) return <Loading />;
  if (error && !data) return <ErrorBox error={error} onRetry={reload} />;
  if (!integration) return <NotFound />;

  const update = (next: Partial<Integration>) =>
    setData((d) => (d?.integration ? { integration: { ...d.integration, ...next } } : d));
  const tabLabel = TABS.find((x) => x.id === tab)!.label(t);

  return (
    <section class="integration">
      <nav class="breadcrumbs" aria-label="Breadcrumb">
        <a href={href(["integrations"])}>{t.navIntegrations}</a>
        <span aria-hidden="true"> / </span>
      </nav>
      <div class="page-head">
        <PageTitle title={`${integration.companyName} · ${tabLabel}`}>{integration.companyName}</PageTitle>
        <p class="flow">
          {SYSTEM_NAMES[integration.source]} → {SYSTEM_NAMES[integration.target]}
          {" "}<IntegrationStatusBadge status={integration.status} />
          {integration.status === "ONBOARDING" && <OnboardingLink id={id} />}
        </p>
      </div>
      <nav class="tabs" aria-label={t.integrationNav}>
        {TABS.map((x) => (
          <a key={x.id} href={href(x.id === "overview" ? ["integrations", id] : ["integrations", id, x.id])}
            aria-current={x.id === tab ? "page" : undefined}>{x.label(t)}</a>
        ))}
      </nav>
      {tab === "overview" && <OverviewTab integration={integration} onChange={update} />}
      {tab === "reconciliation" && <ReconciliationTab integration={integration} />}
      {tab === "settings" && <SettingsTab integration={integration} onSaved={(settings) => update({ settings })} />}
      {tab === "transfers" && (
        <TransferLog integrationId={id} transferId={transferId} query={query} title={t.tabTransfers} nested
          sourceName={SYSTEM_NAMES[integration.source]} />
      )}
    </section>
  );
}
