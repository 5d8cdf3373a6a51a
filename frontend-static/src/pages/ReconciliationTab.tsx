// Reconciliation: the invoices booked (Rackbeat) or orders completed (Mystore) in the source in a period against the
// transfer log and what the target really holds (OK / MISSING / DIFFERENT / EXTRA), and "transfer the missing",
// whose transfers then run in the live log.
import { useState } from "preact/hooks";
import { RECONCILE } from "../api/operations";
import type { Integration, Reconciliation, ReconciliationStatus } from "../api/types";
import { SYSTEM_NAMES, useI18n, type Lang } from "../i18n";
import { href } from "../router";
import { useMutation } from "../session";
import "../stats/stats.css";
import { Badge, ErrorBox, TransferStatusBadge } from "../ui/components";

const STATUSES: ReconciliationStatus[] = ["OK", "MISSING", "DIFFERENT", "EXTRA"];
const TONE = { OK: "ok", MISSING: "bad", DIFFERENT: "wait", EXTRA: "neutral" } as const;
const ICON = { OK: "✓", MISSING: "!", DIFFERENT: "≠", EXTRA: "+" } as const;
const COUNT = { OK: "ok", MISSING: "missing", DIFFERENT: "different", EXTRA: "extra" } as const;

/** A local calendar date as YYYY-MM-DD. */
function isoDate(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function daysAgo(n: number): string {
  const d = new Date();
  d.setDate(d.getDate() - n);
  return isoDate(d);
}

function formatDate(lang: Lang, iso: string): string {
  const [y, m, d] = iso.split("-").map(Number);
  return new Intl.DateTimeFormat(lang === "nb" ? "nb-NO" : "en-GB", { dateStyle: "medium" })
    .format(new Date(y!, (m ?? 1) - 1, d ?? 1));
}

function formatAmount(lang: Lang, n: number | null): string {
  if (n == null) return "—";
  return new Intl.NumberFormat(lang === "nb" ? "nb-NO" : "en-GB", { minimumFractionDigits: 2, maximumFractionDigits: 2 })
    .format(n);
}

export function ReconciliationTab({ integration }: { integration: Integration }) {
  const { t, lang } = useI18n();
  const [dateFrom, setDateFrom] = useState(() => daysAgo(6));
  const [dateTo, setDateTo] = useState(() => daysAgo(0));
  const [report, setReport] = useState<Reconciliation | null>(null);
  const [queued, setQueued] = useState<number | null>(null);
  const check = useMutation(RECONCILE);
  const transfer = useMutation(RECONCILE);
  const source = SYSTEM_NAMES[integration.source];
  const target = SYSTEM_NAMES[integration.target];
  const logHref = href(["integrations", integration.id, "transfers"]);
  const orders = integration.source === "MYSTORE";  // webshop orders; Rackbeat: customer invoices
  const kind = t.transferKind[orders ? "ORDER" : "INVOICE"];

  async function run(event: Event) {
    event.preventDefault();
    setQueued(null);
    transfer.clearError();
    const answer = await check.run({ integrationId: integration.id, dateFrom, dateTo, transferMissing: false });
    if (answer) setReport(answer.reconcile);
  }

  async function transferMissing() {
    if (!report) return;
    const answer = await transfer.run({
      integrationId: integration.id, dateFrom: report.dateFrom, dateTo: report.dateTo, transferMissing: true,
    });
    if (answer) {
      setReport(answer.reconcile);
      setQueued(answer.reconcile.transferred.length);
    }
  }

  return (
    <section aria-labelledby="reconciliation-heading" class="reconciliation">
      <h2 id="reconciliation-heading">{t.tabReconciliation}</h2>
      <p class="help">{t.reconcileIntro(source, target, orders)}</p>
      <form class="recon-form card" onSubmit={run} aria-label={t.tabReconciliation}>
        <div class="field">
          <label for="recon-from">{t.dateFrom}</label>
          <input id="recon-from" type="date" value={dateFrom} max={dateTo} required
            onInput={(e) => setDateFrom(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="recon-to">{t.dateTo}</label>
          <input id="recon-to" type="date" value={dateTo} min={dateFrom} required
            onInput={(e) => setDateTo(e.currentTarget.value)} />
        </div>
        <button type="submit" class="button button-primary" disabled={check.busy || transfer.busy}>
          {check.busy ? t.reconciling : t.reconcileButton}
        </button>
      </form>
      {check.error && <ErrorBox error={check.error} />}
      {report && (
        <div class="recon-result" data-testid="reconciliation-result">
          <h3>{t.reconcileResult(formatDate(lang, report.dateFrom), formatDate(lang, report.dateTo))}</h3>
          <ul class="recon-counts" role="status" aria-live="polite">
            {STATUSES.map((s) => (
              <li key={s} data-testid={`recon-count-${s}`}>
                <Badge tone={TONE[s]} icon={ICON[s]}>{t.reconcileStatus[s]}</Badge>
                <span class="recon-count">{report[COUNT[s]]}</span>
                <p class="help">{t.reconcileStatusHelp[s]}</p>
              </li>
            ))}
          </ul>
          <div class="actions">
            {report.missing > 0 && queued === null ? (
              <button type="button" class="button button-primary" disabled={transfer.busy || check.busy}
                onClick={transferMissing}>
                {transfer.busy ? t.transferringMissing : t.transferMissing(report.missing)}
              </button>
            ) : queued === null && report.lines.length > 0 && <p class="confirm">{t.reconcileAllOk}</p>}
            <p role="status" class="confirm" data-testid="transferred-missing">
              {queued !== null ? <>{t.transferredMissing(queued)} <a href={logHref}>{t.openLog}</a></> : ""}
            </p>
          </div>
          {transfer.error && <ErrorBox error={transfer.error} />}
          {report.lines.length === 0 ? <p class="empty">{t.reconcileNoLines}</p> : (
            <div class="table-wrap">
              <table class="table" id="reconciliation-lines">
                <thead>
                  <tr>
                    <th scope="col">{t.colSourceRef}</th>
                    <th scope="col">{t.colStatus}</th>
                    <th scope="col" class="num">{t.colSourceAmount}</th>
                    <th scope="col">{t.colTargetRef}</th>
                    <th scope="col" class="num">{t.colTargetAmount}</th>
                    <th scope="col">{t.colTransfer}</th>
                  </tr>
                </thead>
                <tbody>
                  {report.lines.map((line) => (
                    <tr key={line.sourceRef} data-source-ref={line.sourceRef} data-status={line.status}>
                      <th scope="row">{kind} {line.sourceRef}</th>
                      <td><Badge tone={TONE[line.status]} icon={ICON[line.status]}>{t.reconcileStatus[line.status]}</Badge></td>
                      <td class="num">{formatAmount(lang, line.sourceAmount)}</td>
                      <td>{line.targetRef ? `${line.targetKind ? t.targetKind[line.targetKind] + " " : ""}${line.targetRef}`
                        : "—"}</td>
                      <td class="num">{formatAmount(lang, line.targetAmount)}</td>
                      <td>
                        {line.transferId && line.transferStatus ? (
                          <a href={href(["integrations", integration.id, "transfers", line.transferId])}
                            aria-label={t.openTransfer(kind.toLowerCase(), line.sourceRef)}>
                            <TransferStatusBadge status={line.transferStatus} />
                          </a>
                        ) : <span class="muted">{t.notTransferred}</span>}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
      )}
    </section>
  );
}
