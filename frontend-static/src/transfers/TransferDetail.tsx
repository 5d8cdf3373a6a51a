// The detail panel of one transfer: what, where, when, the error explained, every attempt with its redacted
// HTTP exchanges, and resend.
import { useEffect, useRef, useState } from "preact/hooks";
import { RESEND_TRANSFER, TRANSFER, TRANSFER_CONTEXT } from "../api/operations";
import type { Exchange, TransferAttempt, TransferDetail as Detail, TransferMode, TransferRow } from "../api/types";
import { SYSTEM_NAMES, useI18n } from "../i18n";
import { useMutation, useQuery } from "../session";
import { between, ErrorBox, formatDuration, Loading, TransferStatusBadge } from "../ui/components";

interface Props {
  id: string;
  /** The row as the live log knows it; when it changes, the details are fetched again. */
  row: TransferRow | undefined;
  onClose: () => void;
  onResent: (row: TransferRow) => void;
}

export function TransferDetailPanel({ id, row, onClose, onResent }: Props) {
  const { t } = useI18n();
  const { data, error, loading, reload, setData } = useQuery(TRANSFER, { id });
  const heading = useRef<HTMLHeadingElement>(null);
  const version = row ? `${row.status}|${row.updatedAt}|${row.attempts}` : "";
  const seenVersion = useRef(version);
  useEffect(() => {
    if (version && version !== seenVersion.current) {
      seenVersion.current = version;
      reload();
    }
  }, [version]);
  useEffect(() => {
    heading.current?.focus();
  }, [id, !!data?.transfer]);
  // Escape closes the panel wherever the focus is (unless a control inside uses the key itself)
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape" && !e.defaultPrevented) onClose();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [onClose]);

  const detail = data?.transfer;
  // the live row may be a step ahead of the last fetch; never show an older status than the log does
  const shown: Detail | null = detail
    ? (row && Date.parse(row.updatedAt) > Date.parse(detail.updatedAt) ? { ...detail, ...row } : detail)
    : null;

  return (
    <aside class="detail" aria-labelledby="detail-heading">
      <div class="detail-head">
        <h2 id="detail-heading" ref={heading} tabIndex={-1}>
          {shown ? t.detailTitle(t.transferKind[shown.kind], shown.sourceRef) : t.detailRegion}
        </h2>
        <button type="button" class="button button-quiet" onClick={onClose} aria-label={t.close}>✕</button>
      </div>
      {loading && !data && <Loading label={t.loadingDetail} />}
      {error && !data && <ErrorBox error={error} onRetry={reload} />}
      {data && !detail && <p class="empty">{t.transferGone}</p>}
      {shown && (
        <>
          <Facts transfer={shown} />
          {shown.error && <ErrorExplained transfer={shown} />}
          <Resend transfer={shown} onResent={(r) => {
            setData((d) => (d?.transfer ? { transfer: { ...d.transfer, ...r } } : d));
            onResent(r);
          }} />
          <Attempts attempts={shown.attemptLog} />
        </>
      )}
    </aside>
  );
}

function Facts({ transfer: x }: { transfer: Detail }) {
  const { t, dateTime } = useI18n();
  return (
    <dl class="facts facts-compact">
      <dt>{t.status}</dt><dd><TransferStatusBadge status={x.status} /></dd>
      <dt>{t.from}</dt><dd>{SYSTEM_NAMES[x.sourceSystem]}</dd>
      <dt>{t.to}</dt><dd>{SYSTEM_NAMES[x.targetSystem]}</dd>
      <dt>{t.sourceRef}</dt><dd><code>{x.sourceRef}</code></dd>
      <dt>{t.targetRef}</dt><dd>{x.targetRef ? <code>{x.targetRef}</code> : "—"}</dd>
      <dt>{t.mode}</dt><dd>{x.mode ? t.transferMode[x.mode] : "—"}</dd>
      <dt>{t.trigger}</dt><dd>{t.triggers[x.trigger] ?? x.trigger}</dd>
      <dt>{t.attempts}</dt><dd>{x.attempts}</dd>
      <dt>{t.createdAt}</dt><dd>{dateTime(x.createdAt)}</dd>
      <dt>{t.startedAt}</dt><dd>{dateTime(x.startedAt)}</dd>
      <dt>{t.finishedAt}</dt><dd>{dateTime(x.finishedAt)}</dd>
      <dt>{t.duration}</dt><dd>{formatDuration(between(x.startedAt, x.finishedAt))}</dd>
      {x.nextAttemptAt && x.status === "RETRYING" && <><dt>{t.nextAttempt}</dt><dd>{dateTime(x.nextAttemptAt)}</dd></>}
    </dl>
  );
}

function ErrorExplained({ transfer: x }: { transfer: Detail }) {
  const { t, lang } = useI18n();
  const e = x.error!;
  const mine = lang === "nb" ? e.explanationNo ?? e.explanation : e.explanation ?? e.explanationNo;
  const other = lang === "nb" ? e.explanation : e.explanationNo;
  return (
    <section class="error-box" aria-labelledby="error-heading" data-testid="transfer-error">
      <h3 id="error-heading">{t.error}</h3>
      {mine ? <p class="explanation" lang={lang === "nb" && e.explanationNo ? "nb" : "en"}>{mine}</p>
        : <p class="muted">{t.noExplanation}</p>}
      <dl class="facts facts-compact">
        <dt>{t.errorMessage(SYSTEM_NAMES[x.targetSystem])}</dt><dd class="break">{e.message}</dd>
        <dt>{t.errorCode}</dt><dd><code>{e.code}</code></dd>
      </dl>
      {other && other !== mine && (
        <details>
          <summary>{t.otherLanguage}</summary>
          <p lang={lang === "nb" ? "en" : "nb"}>{other}</p>
        </details>
      )}
    </section>
  );
}

function Resend({ transfer: x, onResent }: { transfer: Detail; onResent: (row: TransferRow) => void }) {
  const { t } = useI18n();
  const context = useQuery(TRANSFER_CONTEXT, { id: x.integrationId });
  const settings = context.data?.integration?.settings ?? null;
  const isDocument = x.kind === "INVOICE" || x.kind === "ORDER";
  const [mode, setMode] = useState<TransferMode | null>(null);
  const [sendEmail, setSendEmail] = useState<boolean | null>(null);
  const { run, busy, error } = useMutation(RESEND_TRANSFER);
  const [done, setDone] = useState(false);
  useEffect(() => setDone(false), [x.id]);
  const chosenMode = mode ?? x.mode ?? settings?.invoiceTransferMode ?? "INVOICE";
  const chosenEmail = sendEmail ?? settings?.sendInvoiceToCustomer ?? false;
  const inFlight = x.status === "QUEUED" || x.status === "RUNNING";

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy || inFlight) return;
    setDone(false);
    const result = await run({ id: x.id, mode: isDocument ? chosenMode : null, sendEmail: isDocument ? chosenEmail : null });
    if (result) {
      setDone(true);
      onResent(result.resendTransfer);
    }
  };

  return (
    <form class="resend" onSubmit={submit} aria-labelledby="resend-heading">
      <h3 id="resend-heading">{t.resendTitle}</h3>
      <p class="help">{t.resendHelp}</p>
      {isDocument && (
        <>
          <fieldset class="inline-fieldset">
            <legend>{t.resendAs}</legend>
            {(["INVOICE", "ORDER"] as TransferMode[]).map((m) => (
              <span class="choice-inline" key={m}>
                <input type="radio" id={`resend-${m}`} name="resend-mode" value={m} checked={chosenMode === m}
                  onChange={() => setMode(m)} />
                <label for={`resend-${m}`}>{t.transferMode[m]}</label>
              </span>
            ))}
          </fieldset>
          <div class="choice-inline">
            <input type="checkbox" id="resend-email" checked={chosenEmail}
              onChange={(e) => setSendEmail(e.currentTarget.checked)} />
            <label for="resend-email">{t.resendEmail}</label>
          </div>
        </>
      )}
      <div class="actions">
        {/* aria-disabled, not disabled: a disabled button would drop the keyboard focus while the resend runs */}
        <button type="submit" class="button button-primary" aria-disabled={busy || inFlight}>
          {busy ? t.resending : t.resendButton}
        </button>
        <span role="status" class="confirm">{done ? t.resent : ""}</span>
      </div>
      {error && <ErrorBox error={error} />}
    </form>
  );
}

function Attempts({ attempts }: { attempts: TransferAttempt[] }) {
  const { t, dateTime } = useI18n();
  return (
    <section aria-labelledby="attempts-heading" class="attempts">
      <h3 id="attempts-heading">{t.attemptLog}</h3>
      {attempts.length === 0 && <p class="muted">{t.noAttempts}</p>}
      <ol class="attempt-list">
        {[...attempts].reverse().map((a) => {
          const exchanges = Array.isArray(a.exchanges) ? (a.exchanges as Exchange[]) : [];
          return (
            <li key={a.number} class="attempt">
              <div class="attempt-head">
                <h4>{t.attemptN(a.number)}</h4>
                <TransferStatusBadge status={a.status} />
              </div>
              <p class="attempt-meta">
                {dateTime(a.startedAt)} · {t.duration.toLocaleLowerCase()} {formatDuration(between(a.startedAt, a.finishedAt))}
                {a.worker ? ` · ${t.worker.toLocaleLowerCase()} ${a.worker}` : ""}
              </p>
              {(a.errorCode || a.errorMessage) && (
                <p class="attempt-error"><code>{a.errorCode}</code> {a.errorMessage}</p>
              )}
              {exchanges.length === 0 ? <p class="muted">{t.noExchanges}</p> : (
                <>
                  <p class="muted small">{t.exchanges(exchanges.length)}</p>
                  <ul class="exchanges">
                    {exchanges.map((x, i) => <ExchangeView key={i} exchange={x} />)}
                  </ul>
                </>
              )}
            </li>
          );
        })}
      </ol>
      <p class="muted small">{t.redactedNote}</p>
    </section>
  );
}

function shortUrl(url: string | undefined): string {
  if (!url) return "";
  try {
    const u = new URL(url);
    return `${u.pathname}${u.search}`;
  } catch {
    return url;
  }
}

function Body({ value }: { value: unknown }) {
  const { t } = useI18n();
  if (value === null || value === undefined || value === "") return <p class="muted small">{t.noBody}</p>;
  const text = typeof value === "string" ? value : JSON.stringify(value, null, 2);
  return <pre class="code">{text.length > 200_000 ? `${text.slice(0, 200_000)}\n…` : text}</pre>;
}

function ExchangeView({ exchange: x }: { exchange: Exchange }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const ok = typeof x.status === "number" && x.status < 400;
  return (
    <li>
      <details onToggle={(e) => setOpen((e.currentTarget as HTMLDetailsElement).open)}>
        <summary>
          <span class="method">{x.method}</span> <span class="system">{x.system}</span>{" "}
          <span class="url" title={x.url}>{shortUrl(x.url)}</span>{" "}
          <span class={ok ? "http-ok" : "http-bad"}>→ {x.status ?? x.error ?? "?"}</span>
          {x.durationMs != null && <span class="muted"> · {formatDuration(x.durationMs)}</span>}
        </summary>
        {open && (
          <div class="exchange-body">
            <p class="break small"><code>{x.method} {x.url}</code></p>
            {x.error && <p class="attempt-error">{x.error}</p>}
            <h5>{t.request}</h5>
            <Body value={x.requestBody} />
            <h5>{t.response}</h5>
            <Body value={x.responseBody} />
          </div>
        )}
      </details>
    </li>
  );
}
