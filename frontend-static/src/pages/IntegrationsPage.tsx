import { useMemo, useState } from "preact/hooks";
import { INTEGRATIONS } from "../api/operations";
import type { IntegrationSummary } from "../api/types";
import { SYSTEM_NAMES, useI18n } from "../i18n";
import { href, navigate } from "../router";
import { useQuery } from "../session";
import {
  Badge, ConnectionStatusBadge, ErrorBox, IntegrationStatusBadge, Loading, PageTitle, TransferStatusBadge,
} from "../ui/components";
import "../stats/stats.css";

function matches(i: IntegrationSummary, needle: string, statusLabel: string): boolean {
  if (!needle) return true;
  const hay = [i.companyName, i.contactPerson, i.email, i.id, SYSTEM_NAMES[i.source], SYSTEM_NAMES[i.target], statusLabel]
    .join(" ").toLocaleLowerCase();
  return needle.toLocaleLowerCase().split(/\s+/).filter(Boolean).every((word) => hay.includes(word));
}

export function IntegrationsPage() {
  const { t, dateTime } = useI18n();
  const { data, error, loading, reload } = useQuery(INTEGRATIONS, {});
  const [search, setSearch] = useState("");
  const all = data?.integrations ?? [];
  const shown = useMemo(() => all.filter((i) => matches(i, search.trim(), t.integrationStatus[i.status])), [all, search, t]);

  return (
    <section>
      <div class="page-head">
        <PageTitle title={t.integrationsTitle}>{t.integrationsTitle}</PageTitle>
      </div>
      <div class="toolbar">
        <div class="field field-inline">
          <label for="integration-search">{t.searchIntegrations}</label>
          <input id="integration-search" type="search" value={search} placeholder={t.searchIntegrationsHelp}
            onInput={(e) => setSearch(e.currentTarget.value)} aria-controls="integrations-table" />
        </div>
        {data && <p class="count" role="status" aria-live="polite">{t.integrationsCount(shown.length, all.length)}</p>}
      </div>
      {error && <ErrorBox error={error} onRetry={reload} />}
      {loading && !data && <Loading />}
      {data && all.length === 0 && <p class="empty">{t.noIntegrations}</p>}
      {data && all.length > 0 && shown.length === 0 && <p class="empty">{t.noIntegrationsMatch}</p>}
      {shown.length > 0 && (
        <div class="table-wrap">
          <table id="integrations-table" class="table table-clickable">
            <thead>
              <tr>
                <th scope="col">{t.colCompany}</th>
                <th scope="col">{t.colFlow}</th>
                <th scope="col">{t.colStatus}</th>
                <th scope="col">{t.colConnections}</th>
                <th scope="col">{t.colLastTransfer}</th>
                <th scope="col" class="num">{t.colFailures24h}</th>
                <th scope="col">{t.colCreated}</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((i) => (
                <tr key={i.id} onClick={(e) => {
                  if (!(e.target as HTMLElement).closest("a")) navigate(href(["integrations", i.id]));
                }}>
                  <th scope="row">
                    <a href={href(["integrations", i.id])}>{i.companyName}</a>
                    <div class="sub">{i.contactPerson} · {i.email}</div>
                  </th>
                  <td>{SYSTEM_NAMES[i.source]} → {SYSTEM_NAMES[i.target]}</td>
                  <td><IntegrationStatusBadge status={i.status} /></td>
                  <td>
                    {i.connections.length === 0 ? <span class="muted">{t.noConnections}</span> : (
                      <ul class="inline-list">
                        {i.connections.map((c) => (
                          <li key={c.id}><ConnectionStatusBadge status={c.status} label={SYSTEM_NAMES[c.system]} /></li>
                        ))}
                      </ul>
                    )}
                  </td>
                  <td data-testid="last-transfer">
                    {i.lastTransferId && i.lastTransferStatus && i.lastTransferAt ? (
                      <a class="last-transfer" href={href(["integrations", i.id, "transfers", i.lastTransferId])}
                        aria-label={t.openLastTransfer(t.transferStatus[i.lastTransferStatus], dateTime(i.lastTransferAt))}>
                        <TransferStatusBadge status={i.lastTransferStatus} />
                        <span class="sub">{dateTime(i.lastTransferAt)}</span>
                      </a>
                    ) : <span class="muted">{t.noTransferYet}</span>}
                  </td>
                  <td class="num" data-testid="failures-24h">
                    {i.failedLast24h > 0 ? (
                      <a href={href(["integrations", i.id, "transfers"], { status: "FAILED" })}
                        aria-label={t.showFailures(i.failedLast24h)}>
                        <Badge tone="bad" icon="✕">{i.failedLast24h}</Badge>
                      </a>
                    ) : <span class="muted" title={t.noFailures}>0</span>}
                  </td>
                  <td>{dateTime(i.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
