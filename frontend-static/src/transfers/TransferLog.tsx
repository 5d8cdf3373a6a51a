// The transfer log page (of one integration, or of every integration the token sees): filters in the URL,
// the live virtualized table, "load more", and the detail panel of the transfer in the URL.
import { useEffect, useMemo, useState } from "preact/hooks";
import { getLiveState, onLiveState, type LiveState } from "../api/client";
import { INTEGRATIONS, RESEND_FAILED } from "../api/operations";
import { TRANSFER_KINDS, TRANSFER_STATUSES, type TransferFilters, type TransferKind, type TransferStatus } from "../api/types";
import { useI18n } from "../i18n";
import { href, navigate } from "../router";
import { useMutation, useQuery } from "../session";
import { ErrorBox, Loading, PageTitle } from "../ui/components";
import { TransferDetailPanel } from "./TransferDetail";
import { TransferTable } from "./TransferTable";
import { useTransferLog } from "./useTransferLog";

interface Props {
  integrationId: string | null;
  transferId: string | null;
  query: URLSearchParams;
  title: string;
  /** Inside the integration page (which has the <h1>), the log's title is an <h2>. */
  nested?: boolean;
  sourceName?: string;
}

function filtersOf(query: URLSearchParams): TransferFilters {
  const status = query.get("status");
  const kind = query.get("kind");
  return {
    status: TRANSFER_STATUSES.includes(status as TransferStatus) ? [status as TransferStatus] : [],
    kind: TRANSFER_KINDS.includes(kind as TransferKind) ? [kind as TransferKind] : [],
    search: query.get("q") ?? "",
  };
}

function useLiveState(): LiveState {
  const [state, setState] = useState(getLiveState);
  useEffect(() => onLiveState(setState), []);
  return state;
}

export function TransferLog({ integrationId, transferId, query, title, nested }: Props) {
  const { t } = useI18n();
  const filters = useMemo(() => filtersOf(query), [query.toString()]);
  const log = useTransferLog(integrationId, filters);
  const live = useLiveState();
  const base = integrationId ? ["integrations", integrationId, "transfers"] : ["transfers"];
  const names = useIntegrationNames(integrationId === null);

  // the search box updates the URL (and so the query) after a short pause in typing
  const [search, setSearch] = useState(filters.search);
  useEffect(() => setSearch(filters.search), [filters.search]);
  useEffect(() => {
    if (search === filters.search) return;
    const timer = setTimeout(() => setFilter("q", search), 300);
    return () => clearTimeout(timer);
  }, [search]);

  function setFilter(name: "status" | "kind" | "q", value: string) {
    const next = new URLSearchParams(query);
    if (value) next.set(name, value);
    else next.delete(name);
    navigate(href(transferId ? [...base, transferId] : base, next), { replace: true });
  }
  const open = (id: string | null) => navigate(href(id ? [...base, id] : base, query));
  const close = () => {
    const id = transferId;
    open(null);
    // give the focus back to the row the panel was opened from
    requestAnimationFrame(() => document.querySelector<HTMLButtonElement>(`[data-transfer-id="${id}"] button`)?.focus());
  };

  const selectedRow = transferId ? log.rows.find((r) => r.id === transferId) : undefined;
  const anyFilter = filters.status.length > 0 || filters.kind.length > 0 || filters.search !== "";
  const Heading = nested ? "h2" : null;

  return (
    <section class={`log ${transferId ? "log-with-detail" : ""}`} aria-labelledby="log-heading">
      <div class="log-main">
        <div class="page-head page-head-row">
          {Heading ? <h2 id="log-heading">{title}</h2> : (
            <div id="log-heading"><PageTitle title={title}>{title}</PageTitle></div>
          )}
          <LiveIndicator state={live} />
        </div>
        <form class="toolbar filters" role="search" aria-label={t.filters} onSubmit={(e) => e.preventDefault()}>
          <div class="field field-inline">
            <label for="filter-status">{t.filterStatus}</label>
            <select id="filter-status" value={filters.status[0] ?? ""} onChange={(e) => setFilter("status", e.currentTarget.value)}>
              <option value="">{t.filterAny}</option>
              {TRANSFER_STATUSES.map((s) => <option key={s} value={s}>{t.transferStatus[s]}</option>)}
            </select>
          </div>
          <div class="field field-inline">
            <label for="filter-kind">{t.filterKind}</label>
            <select id="filter-kind" value={filters.kind[0] ?? ""} onChange={(e) => setFilter("kind", e.currentTarget.value)}>
              <option value="">{t.filterAny}</option>
              {TRANSFER_KINDS.map((k) => <option key={k} value={k}>{t.transferKind[k]}</option>)}
            </select>
          </div>
          <div class="field field-inline field-grow">
            <label for="filter-search">{t.searchRef}</label>
            <input id="filter-search" type="search" value={search} placeholder={t.searchRefHelp}
              onInput={(e) => setSearch(e.currentTarget.value)}
              onKeyDown={(e) => {
                if (e.key === "Enter") setFilter("q", search);
              }} />
          </div>
          {anyFilter && (
            <button type="button" class="button button-quiet" onClick={() => {
              setSearch("");
              navigate(href(transferId ? [...base, transferId] : base), { replace: true });
            }}>{t.clearFilters}</button>
          )}
          <ResendFailed integrationId={integrationId} filters={filters}
            visible={log.rows.some((r) => r.status === "FAILED")} onDone={log.reload} />
        </form>
        {log.error && <ErrorBox error={log.error} onRetry={log.reload} />}
        {log.loading ? <Loading /> : log.rows.length === 0 ? (
          <p class="empty">{anyFilter ? t.noTransfersMatch : t.noTransfers}</p>
        ) : (
          <TransferTable rows={log.rows} selectedId={transferId} fresh={log.fresh} onOpen={(r) => open(r.id)}
            integrationNames={names} labelledBy="log-heading" />
        )}
        <div class="log-foot">
          <p class="count" role="status">{log.loading || log.rows.length === 0 ? "" : t.loaded(log.rows.length, log.hasNext)}</p>
          {log.hasNext && (
            <button type="button" class="button" onClick={log.loadMore} disabled={log.loadingMore}>
              {log.loadingMore ? t.loadingMore : t.loadMore}
            </button>
          )}
        </div>
      </div>
      {transferId && (
        <TransferDetailPanel key={transferId} id={transferId} row={selectedRow} onClose={close}
          onResent={(r) => log.applyRows([r])} />
      )}
    </section>
  );
}

function LiveIndicator({ state }: { state: LiveState }) {
  const { t } = useI18n();
  const label = state === "live" ? t.live : state === "connecting" ? t.liveConnecting : t.liveReconnecting;
  return (
    <p class={`live live-${state}`} title={t.liveHelp} role="status" data-live={state}>
      <span class="live-dot" aria-hidden="true" /> {label}
    </p>
  );
}

function useIntegrationNames(enabled: boolean): Map<string, string> | null {
  const { data } = useQuery(INTEGRATIONS, {}, { skip: !enabled });
  return useMemo(() => (enabled ? new Map((data?.integrations ?? []).map((i) => [i.id, i.companyName])) : null),
    [enabled, data]);
}

function ResendFailed({ integrationId, filters, visible, onDone }: {
  integrationId: string | null; filters: TransferFilters; visible: boolean; onDone: () => void;
}) {
  const { t } = useI18n();
  const [confirming, setConfirming] = useState(false);
  const [result, setResult] = useState<number | null>(null);
  const { run, busy, error } = useMutation(RESEND_FAILED);
  if (!visible && result === null) return null;
  return (
    <div class="resend-failed">
      {!confirming ? (
        visible && <button type="button" class="button" onClick={() => {
          setResult(null);
          setConfirming(true);
        }}>{t.resendFailed}</button>
      ) : (
        <div role="group" aria-label={t.resendFailedConfirm} class="confirm-group">
          <span>{t.resendFailedConfirm}</span>
          <button type="button" class="button button-primary" disabled={busy} onClick={async () => {
            const r = await run({ filter: { integrationId, status: ["FAILED"], kind: filters.kind.length ? filters.kind : null,
              search: filters.search.trim() || null } });
            setConfirming(false);
            if (r) {
              setResult(r.resendTransfers.length);
              onDone();
            }
          }}>{t.resendFailedYes}</button>
          <button type="button" class="button button-quiet" onClick={() => setConfirming(false)}>{t.cancel}</button>
        </div>
      )}
      <span role="status" class="confirm">{result !== null ? t.resentMany(result) : ""}</span>
      {error && <ErrorBox error={error} />}
    </div>
  );
}
