// The once-only initial sync: the preview (a dry run; the user chooses what to carry over), then the run with a
// live progress bar per entity (initialSyncProgress subscription), its failed records and "retry failed".
import { useEffect, useRef, useState } from "preact/hooks";
import { subscribe } from "../api/client";
import type { System } from "../api/types";
import { SYSTEM_NAMES, useI18n } from "../i18n";
import { useMutation, useQuery, useSession } from "../session";
import { ErrorBox, Loading } from "../ui/components";
import {
  INITIAL_SYNC, INITIAL_SYNC_FAILURES, INITIAL_SYNC_UPDATES, PREVIEW_INITIAL_SYNC, RETRY_INITIAL_SYNC, START_INITIAL_SYNC,
} from "./operations";
import { useOnboardingText } from "./strings";
import type { InitialSyncProgress } from "./types";
import type { StepProps } from "./OnboardingWizard";

const CONFLICTS_SHOWN = 50;

export function PreviewStep({ state, next, go, entities, setEntities }: StepProps) {
  const { lang } = useI18n();
  const o = useOnboardingText();
  const { data, error, loading, reload } = useQuery(PREVIEW_INITIAL_SYNC, { id: state.integration.id, entities: null });
  const preview = data?.previewInitialSync;
  const all = preview?.entities.map((e) => e.entity) ?? [];
  const chosen = entities ?? all;
  const label = (e: { label: string; labelNo: string }) => (lang === "nb" ? e.labelNo : e.label);
  const toggle = (entity: string, on: boolean) => {
    const nextSet = on ? [...new Set([...chosen, entity])] : chosen.filter((x) => x !== entity);
    const ordered = all.filter((x) => nextSet.includes(x));
    setEntities(ordered.length === all.length ? null : ordered);
  };

  return (
    <div>
      <p>{o.previewIntro}</p>
      {error && <ErrorBox error={error} onRetry={reload} />}
      {loading && !data && <Loading />}
      {preview && (
        <>
          <p class="muted">{preview.direction.split(/\s*(?:→|->)\s*/)
            .map((s) => SYSTEM_NAMES[s.trim().toUpperCase() as System] ?? s).join(" → ")}</p>
          {preview.alreadyStarted && (
            <div class="notice notice-info"><p>{o.alreadyStarted}</p>
              <button type="button" class="button" onClick={() => go("sync")}>{o.steps.sync}</button></div>
          )}
          {preview.blocking.length > 0 && (
            <div class="notice notice-warn" data-testid="preview-blocking">
              <h3>{o.blockingHeading}</h3>
              <ul>{preview.blocking.map((b) => <li key={b}>{b}</li>)}</ul>
            </div>
          )}
          <div class="table-wrap">
            <table class="table preview-table" data-testid="preview-counts">
              <caption class="visually-hidden">{o.chooseEntities}</caption>
              <thead>
                <tr>
                  <th scope="col">{o.colEntity}</th><th scope="col" class="num">{o.colTotal}</th>
                  <th scope="col" class="num">{o.colCreate}</th><th scope="col" class="num">{o.colLink}</th>
                  <th scope="col" class="num">{o.colSkip}</th>
                </tr>
              </thead>
              <tbody>
                {preview.entities.map((e) => (
                  <tr key={e.entity} data-entity={e.entity}>
                    <th scope="row">
                      <label class="inline-check">
                        <input type="checkbox" checked={chosen.includes(e.entity)} disabled={preview.alreadyStarted}
                          onChange={(ev) => toggle(e.entity, ev.currentTarget.checked)} />
                        {label(e)}
                      </label>
                    </th>
                    <td class="num">{e.total}</td><td class="num">{e.create}</td>
                    <td class="num">{e.link}</td><td class="num">{e.skip}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {preview.entities.filter((e) => Array.isArray(e.sample) && e.sample.length > 0).map((e) => (
            <details key={e.entity} class="sample">
              <summary>{o.samples(label(e))}</summary>
              <pre class="code">{JSON.stringify(e.sample, null, 2)}</pre>
            </details>
          ))}
          <h3>{o.conflictsHeading(preview.conflictCount)}</h3>
          {preview.conflictCount === 0 ? <p class="help">{o.noConflicts}</p> : (
            <>
              {preview.conflictCount > Math.min(CONFLICTS_SHOWN, preview.conflicts.length) && (
                <p class="help">{o.conflictsShown(Math.min(CONFLICTS_SHOWN, preview.conflicts.length), preview.conflictCount)}</p>
              )}
              <div class="table-wrap">
                <table class="table">
                  <thead>
                    <tr><th scope="col">{o.colEntity}</th><th scope="col">{o.colKey}</th>
                      <th scope="col">{o.colProblem}</th><th scope="col">{o.colAction}</th></tr>
                  </thead>
                  <tbody>
                    {preview.conflicts.slice(0, CONFLICTS_SHOWN).map((c, i) => (
                      <tr key={`${c.entity}-${c.sourceKey}-${i}`}>
                        <td>{preview.entities.find((e) => e.entity === c.entity)
                          ? label(preview.entities.find((e) => e.entity === c.entity)!) : c.entity}</td>
                        <td><code>{c.sourceKey}</code></td>
                        <td>{c.message} <span class="sub">({c.code})</span></td>
                        <td>{c.action}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          )}
          {preview.notSupported.length > 0 && (
            <>
              <h3>{o.notSupportedHeading}</h3>
              <ul>{preview.notSupported.map((n) => <li key={n}>{n}</li>)}</ul>
            </>
          )}
        </>
      )}
      <div class="actions">
        <button type="button" class="button" disabled={loading} onClick={reload}>{loading ? o.checking : o.checkAgain}</button>
        <button type="button" class="button button-primary" onClick={next} disabled={!preview || chosen.length === 0}>
          {o.toRun}
        </button>
      </div>
      {preview && !preview.alreadyStarted && (
        <div class="skip-sync">
          <p class="help">{o.skipSyncHelp}</p>
          <button type="button" class="button button-quiet" onClick={() => go("settings")}>{o.skipSync}</button>
        </div>
      )}
    </div>
  );
}

/** The progress, kept up to date by the subscription while the sync runs. */
function useSyncProgress(id: string) {
  const { token } = useSession();
  const initial = useQuery(INITIAL_SYNC, { id });
  const [progress, setProgress] = useState<InitialSyncProgress | null>(null);
  const [round, setRound] = useState(0);
  useEffect(() => {
    if (initial.data) setProgress((p) => p ?? initial.data!.initialSync);
  }, [initial.data]);
  const running = progress?.status === "RUNNING";
  const started = !!progress;
  useEffect(() => {
    if (!started) return;
    return subscribe(INITIAL_SYNC_UPDATES, { id }, token, {
      next: (data) => setProgress(data.initialSyncProgress),
      error: () => undefined,
    });
  }, [id, token, started, round]);
  return {
    progress, loading: initial.loading && !initial.data, error: initial.error, running,
    /** A fresh state from a mutation; a new subscription follows it until it has finished again. */
    restart: (p: InitialSyncProgress) => {
      setProgress(p);
      setRound((r) => r + 1);
    },
  };
}

function Bar({ label, percent, text, id }: { label: string; percent: number; text: string; id: string }) {
  const value = Math.max(0, Math.min(100, Math.round(percent)));
  return (
    <div class="bar-row" data-entity={id}>
      <div class="bar-label"><span id={`bar-${id}-label`}>{label}</span><span class="bar-pct" aria-hidden="true">{value} %</span></div>
      <div class="bar" role="progressbar" aria-labelledby={`bar-${id}-label`} aria-valuemin={0} aria-valuemax={100}
        aria-valuenow={value} aria-valuetext={`${value} % — ${text}`} aria-describedby={`bar-${id}-text`}>
        <div class="bar-fill" style={{ width: `${value}%` }} />
      </div>
      <p class="help" id={`bar-${id}-text`}>{text}</p>
    </div>
  );
}

export function SyncStep({ state, reload, next, go, entities }: StepProps) {
  const { lang, dateTime } = useI18n();
  const o = useOnboardingText();
  const id = state.integration.id;
  const { progress, loading, error, running, restart } = useSyncProgress(id);
  const start = useMutation(START_INITIAL_SYNC);
  const retry = useMutation(RETRY_INITIAL_SYNC);
  const [confirming, setConfirming] = useState(false);
  const [retried, setRetried] = useState(false);
  const yes = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (confirming) yes.current?.focus();
  }, [confirming]);
  // the wizard's own state (which steps are done) follows the sync's start and end
  useEffect(() => {
    if (progress) reload();
  }, [progress?.status]);
  const failedCount = progress?.entities.reduce((n, e) => n + e.failed, 0) ?? 0;
  const failures = useQuery(INITIAL_SYNC_FAILURES, { id }, { skip: !progress || running || failedCount === 0 });
  const label = (e: { label: string; labelNo: string }) => (lang === "nb" ? e.labelNo : e.label);

  if (loading) return <Loading />;
  if (error && !progress) return <ErrorBox error={error} />;

  if (!progress) {
    return (
      <div>
        <div class="notice notice-warn" data-testid="once-only"><p><strong>{o.onceOnly}</strong></p></div>
        <p>{o.entitiesChosen(entities ? entities.join(", ") : o.allEntities)}</p>
        {start.error && <ErrorBox error={start.error} />}
        {!confirming ? (
          <div class="actions">
            <button type="button" class="button button-primary" onClick={() => setConfirming(true)}>{o.startSync}</button>
            <button type="button" class="button" onClick={() => go("preview")}>{o.toPreview}</button>
          </div>
        ) : (
          <div class="confirm-box" role="group" aria-labelledby="confirm-start-q">
            <p id="confirm-start-q"><strong>{o.confirmStartQuestion}</strong></p>
            <div class="actions">
              <button ref={yes} type="button" class="button button-primary" disabled={start.busy} onClick={async () => {
                const result = await start.run({ id, entities });
                setConfirming(false);
                if (result) restart(result.startInitialSync);
              }}>{start.busy ? o.startingSync : o.confirmStart}</button>
              <button type="button" class="button" onClick={() => setConfirming(false)}>{o.cancel}</button>
            </div>
          </div>
        )}
      </div>
    );
  }

  return (
    <div>
      <p class="sync-status" role="status" data-testid="sync-status" data-status={progress.status}>
        <strong>{o.syncStatus[progress.status]}</strong>
        {progress.finishedAt ? ` · ${dateTime(progress.finishedAt)}` : ` · ${o.liveProgress}`}
      </p>
      {progress.runs > 1 && <p class="help">{o.syncResumed(progress.runs)}</p>}
      {progress.error && running && <p class="help">{o.syncError}: {progress.error}</p>}
      <h3>{o.progressHeading}</h3>
      <div class="bars">
        <Bar id="overall" label={o.overall} percent={progress.percent}
          text={o.counts(...progress.entities.reduce((a, e) => [a[0] + e.done, a[1] + e.total, a[2] + e.created,
            a[3] + e.linked, a[4] + e.skipped, a[5] + e.failed], [0, 0, 0, 0, 0, 0]) as
            [number, number, number, number, number, number])} />
        {progress.entities.map((e) => (
          <Bar key={e.entity} id={e.entity} label={label(e)} percent={e.percent}
            text={o.counts(e.done, e.total, e.created, e.linked, e.skipped, e.failed)} />
        ))}
      </div>
      {failedCount > 0 && !running && (
        <section class="failures" aria-labelledby="failures-heading">
          <h3 id="failures-heading">{o.failuresHeading(failedCount)}</h3>
          {failures.error && <ErrorBox error={failures.error} onRetry={failures.reload} />}
          {failures.data && (
            <div class="table-wrap">
              <table class="table">
                <thead><tr><th scope="col">{o.colEntity}</th><th scope="col">{o.colKey}</th>
                  <th scope="col">{o.colReason}</th><th scope="col" class="num">{o.colAttempts}</th></tr></thead>
                <tbody>
                  {failures.data.initialSyncRecords.map((r) => (
                    <tr key={r.id}>
                      <td>{(() => { const e = progress.entities.find((x) => x.entity === r.entity); return e ? label(e) : r.entity; })()}</td>
                      <td><code>{r.sourceKey}</code></td>
                      <td>{r.errorMessage ?? r.errorCode}</td>
                      <td class="num">{r.attempts}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {retry.error && <ErrorBox error={retry.error} />}
          <div class="actions">
            <button type="button" class="button" disabled={retry.busy} onClick={async () => {
              const result = await retry.run({ id });
              if (result) {
                setRetried(true);
                restart(result.retryInitialSyncFailures);
              }
            }}>{retry.busy ? o.retrying : o.retryFailed}</button>
            <span role="status" class="confirm">{retried ? o.retried : ""}</span>
          </div>
        </section>
      )}
      <div class="actions">
        <button type="button" class="button button-primary" onClick={next} disabled={running}>{o.next}</button>
      </div>
    </div>
  );
}
