// The first steps of the wizard: company, credentials (with each check and how to fix it), Rackbeat's groups and
// the accounting system's preflight checks.
import { useState } from "preact/hooks";
import type { Connection, System } from "../api/types";
import { SYSTEM_NAMES, useI18n } from "../i18n";
import { useMutation, useQuery } from "../session";
import { Badge, ConnectionStatusBadge, ErrorBox, Loading } from "../ui/components";
import {
  AUTHORIZE_EACCOUNTING, PREFLIGHT_CHECKS, RACKBEAT_PREREQUISITES, SAVE_CONNECTION, START_ONBOARDING,
  TEST_CONNECTION_ONBOARDING,
} from "./operations";
import { useOnboardingText } from "./strings";
import type { PreflightStatus } from "./types";
import type { StepProps } from "./OnboardingWizard";

// -- company -------------------------------------------------------------------------------------------------

const SOURCES: System[] = ["RACKBEAT", "MYSTORE"];
const TARGETS: Record<string, System[]> = { RACKBEAT: ["TRIPLETEX", "EACCOUNTING"], MYSTORE: ["TRIPLETEX"] };

export function CompanyForm({ onStarted }: { onStarted: (id: string) => void }) {
  const o = useOnboardingText();
  const [form, setForm] = useState({ companyName: "", contactPerson: "", email: "", source: "RACKBEAT" as System,
    target: "TRIPLETEX" as System });
  const [problem, setProblem] = useState<{ field: string; text: string } | null>(null);
  const { run, busy, error } = useMutation(START_ONBOARDING);
  const labels: Record<string, string> = { companyName: o.companyName, contactPerson: o.contactPerson, email: o.email };

  const submit = async (e: Event) => {
    e.preventDefault();
    for (const field of ["companyName", "contactPerson", "email"] as const) {
      if (!form[field].trim()) {
        setProblem({ field, text: o.required(labels[field]!) });
        document.getElementById(`company-${field}`)?.focus();
        return;
      }
    }
    setProblem(null);
    const input = { ...form, companyName: form.companyName.trim(), contactPerson: form.contactPerson.trim(),
      email: form.email.trim() };
    const result = await run({ input });
    if (result) onStarted(result.startOnboarding.id);
  };

  return (
    <form onSubmit={submit} noValidate class="wizard-form">
      <p>{o.companyIntro}</p>
      {(["companyName", "contactPerson", "email"] as const).map((field) => (
        <div class="field" key={field}>
          <label for={`company-${field}`}>{labels[field]}</label>
          <input id={`company-${field}`} type={(field === "email" ? "email" : "text") as "text"} value={form[field]}
            autoComplete="off" aria-invalid={problem?.field === field ? true : undefined}
            aria-describedby={problem?.field === field ? "company-problem" : undefined}
            onInput={(e) => setForm({ ...form, [field]: e.currentTarget.value })} />
        </div>
      ))}
      <div class="field-row">
        <div class="field">
          <label for="company-source">{o.source}</label>
          <select id="company-source" value={form.source} onChange={(e) => {
            const source = e.currentTarget.value as System;
            setForm({ ...form, source, target: TARGETS[source]!.includes(form.target) ? form.target : TARGETS[source]![0]! });
          }}>
            {SOURCES.map((s) => <option key={s} value={s}>{SYSTEM_NAMES[s]}</option>)}
          </select>
        </div>
        <div class="field">
          <label for="company-target">{o.target}</label>
          <select id="company-target" value={form.target}
            onChange={(e) => setForm({ ...form, target: e.currentTarget.value as System })}>
            {TARGETS[form.source]!.map((s) => <option key={s} value={s}>{SYSTEM_NAMES[s]}</option>)}
          </select>
        </div>
      </div>
      {problem && <p id="company-problem" class="field-error" role="alert">{problem.text}</p>}
      {error && <ErrorBox error={error} />}
      <div class="actions">
        <button type="submit" class="button button-primary" disabled={busy}>{busy ? o.starting : o.startOnboarding}</button>
      </div>
    </form>
  );
}

export function CompanyStep({ state, next }: StepProps) {
  const { t } = useI18n();
  const o = useOnboardingText();
  const i = state.integration;
  return (
    <div>
      <dl class="facts">
        <dt>{o.companyName}</dt><dd>{i.companyName}</dd>
        <dt>{o.contactPerson}</dt><dd>{i.contactPerson}</dd>
        <dt>{o.email}</dt><dd>{i.email}</dd>
        <dt>{o.source}</dt><dd>{SYSTEM_NAMES[i.source]}</dd>
        <dt>{o.target}</dt><dd>{SYSTEM_NAMES[i.target]}</dd>
        <dt>{t.status}</dt><dd>{t.integrationStatus[i.status]}</dd>
      </dl>
      <p class="help">{o.companyFixed}</p>
      <div class="actions"><button type="button" class="button button-primary" onClick={next}>{o.next}</button></div>
    </div>
  );
}

// -- credentials ---------------------------------------------------------------------------------------------

const FIELDS: Record<System, string[]> = {
  RACKBEAT: ["token"],
  TRIPLETEX: ["consumerToken", "employeeToken"],
  MYSTORE: ["shop", "token", "webhookSecret"],
  EACCOUNTING: ["clientId", "clientSecret"],
};
const PLAIN_FIELDS = new Set(["shop", "clientId"]);

export function CredentialsStep({ state, reload, next }: StepProps) {
  const o = useOnboardingText();
  const i = state.integration;
  const [tested, setTested] = useState<Record<string, Connection>>({});
  const connectionOf = (system: System) => tested[system] ?? i.connections.find((c) => c.system === system) ?? null;
  const bothOk = [i.source, i.target].every((s) => connectionOf(s)?.status === "OK");
  return (
    <div>
      <p>{o.credentialsIntro}</p>
      <div class="credential-grid">
        {[i.source, i.target].map((system) => (
          <ConnectionForm key={system} integrationId={i.id} system={system} connection={connectionOf(system)}
            onChange={(c) => {
              setTested((x) => ({ ...x, [system]: c }));
              reload();
            }} />
        ))}
      </div>
      <div class="actions">
        <button type="button" class="button button-primary" onClick={next}>{o.next}</button>
        {!bothOk && <span class="muted">{o.connectBoth}</span>}
      </div>
    </div>
  );
}

function ConnectionForm({ integrationId, system, connection, onChange }: {
  integrationId: string; system: System; connection: Connection | null; onChange: (c: Connection) => void;
}) {
  const o = useOnboardingText();
  const name = SYSTEM_NAMES[system];
  const fields = FIELDS[system];
  const [values, setValues] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [authUrl, setAuthUrl] = useState<string | null>(null);
  const save = useMutation(SAVE_CONNECTION);
  const test = useMutation(TEST_CONNECTION_ONBOARDING);
  const authorize = useMutation(AUTHORIZE_EACCOUNTING);
  const busy = save.busy || test.busy;
  const headingId = `cred-${system}-heading`;
  const failed = connection?.checks.filter((c) => !c.ok) ?? [];

  const submit = async (e: Event) => {
    e.preventDefault();
    const filled = fields.filter((f) => (values[f] ?? "").trim());
    let current = connection;
    if (filled.length > 0 || !connection) {
      if (filled.length < fields.length) {
        setProblem(o.fillAll);
        return;
      }
      setProblem(null);
      const credentials = Object.fromEntries(fields.map((f) => [f, values[f]!.trim()]));
      const saved = await save.run({ input: { integrationId, system, credentials } });
      if (!saved) return;
      current = saved.saveConnection;
      setValues({});
      onChange(current);
    }
    if (!current) return;
    const result = await test.run({ id: current.id });
    if (result) onChange(result.testConnection);
  };

  return (
    <section class="card credential" aria-labelledby={headingId} data-system={system}>
      <div class="card-head">
        <h3 id={headingId}>{o.connectionHeading(name)}</h3>
        {connection ? <ConnectionStatusBadge status={connection.status} /> : <span class="muted">{o.notConnected}</span>}
      </div>
      <p class="help">{o.howTo[system]}</p>
      <form onSubmit={submit} noValidate>
        {fields.map((f) => (
          <div class="field" key={f}>
            <label for={`cred-${system}-${f}`}>{o.fieldNames[f]}</label>
            <input id={`cred-${system}-${f}`} type={(PLAIN_FIELDS.has(f) ? "text" : "password") as "text"} autoComplete="off"
              spellcheck={false} value={values[f] ?? ""}
              aria-describedby={connection ? `cred-${system}-keep` : undefined}
              onInput={(e) => setValues({ ...values, [f]: e.currentTarget.value })} />
          </div>
        ))}
        {connection && <p id={`cred-${system}-keep`} class="help">{o.keepSaved}</p>}
        {problem && <p class="field-error" role="alert">{problem}</p>}
        <div class="actions">
          <button type="submit" class="button button-primary" disabled={busy}>
            {busy ? o.savingTesting : fields.some((f) => (values[f] ?? "").trim()) || !connection ? o.saveAndTest(name) : o.testAgain}
          </button>
        </div>
      </form>
      {system === "EACCOUNTING" && connection && (
        <div class="eaccounting-auth">
          <button type="button" class="button" disabled={authorize.busy} onClick={async () => {
            const result = await authorize.run({ connectionId: connection.id });
            if (result) setAuthUrl(result.authorizeEAccounting);
          }}>{o.eaccountingAuthorize}</button>
          {authUrl && (
            <p><a class="button button-primary" href={authUrl} target="_blank" rel="noopener noreferrer">{o.eaccountingOpen}</a>
              {" "}<span class="help">{o.eaccountingHelp}</span></p>
          )}
          {authorize.error && <ErrorBox error={authorize.error} />}
        </div>
      )}
      {(save.error || test.error) && <ErrorBox error={(save.error ?? test.error)!} />}
      {connection && connection.checks.length > 0 && (
        <div class="credential-checks">
          <p role="status" class={failed.length ? "field-error" : "confirm"}>
            {connection.status === "OK" && !failed.length ? o.allChecksOk(name) : o.checksFailed(name, failed.length)}
          </p>
          <h4>{o.checksOf(name)}</h4>
          <ul class="checks">
            {connection.checks.map((check) => (
              <li key={check.name} class={check.ok ? "check check-ok" : "check check-bad"}>
                <span class="check-icon" aria-hidden="true">{check.ok ? "✓" : "✕"}</span>
                <span class="visually-hidden">{check.ok ? "OK" : "✕"}: </span>
                <span><strong>{check.name}</strong> — {check.message}</span>
              </li>
            ))}
          </ul>
          {(system === "RACKBEAT" || system === "MYSTORE") && (
            <p class="help">{connection.webhooksRegistered ? o.webhooksRegistered : o.webhooksMissing}</p>
          )}
        </div>
      )}
    </section>
  );
}

// -- Rackbeat groups -----------------------------------------------------------------------------------------

const STATUS_TONE: Record<PreflightStatus, "ok" | "bad" | "wait" | "neutral"> = {
  OK: "ok", WARNING: "wait", FAILED: "bad", NOT_APPLICABLE: "neutral",
};
const STATUS_ICON: Record<PreflightStatus, string> = { OK: "✓", WARNING: "!", FAILED: "✕", NOT_APPLICABLE: "–" };

export function PreflightBadge({ status }: { status: PreflightStatus }) {
  const o = useOnboardingText();
  return <Badge tone={STATUS_TONE[status]} icon={STATUS_ICON[status]}>{o.preflightStatus[status]}</Badge>;
}

export function GroupsStep({ state, next }: StepProps) {
  const { lang } = useI18n();
  const o = useOnboardingText();
  const { data, error, loading, reload } = useQuery(RACKBEAT_PREREQUISITES, { id: state.integration.id });
  const report = data?.rackbeatPrerequisites;
  return (
    <div>
      <p>{o.groupsIntro}</p>
      {error && <ErrorBox error={error} onRetry={reload} />}
      {loading && !data && <Loading />}
      {report && (
        <>
          <p role="status" class={report.ready ? "confirm" : "field-error"} data-testid="groups-result">
            {loading ? o.checking : report.ready ? o.groupsReady : o.groupsMissing}
          </p>
          <ul class="requirements">
            {report.requirements.map((r) => (
              <li key={r.code} class="requirement" data-code={r.code}>
                <div class="requirement-head">
                  <PreflightBadge status={r.status} />
                  <strong>{lang === "nb" ? r.titleNo : r.title}</strong>
                </div>
                <p>{lang === "nb" ? r.messageNo : r.message}</p>
                <p class="help">{o.groupsFound}: {r.found.length ? r.found.map((g) => `${g.name} (${g.number})`).join(", ") : o.noneFound}</p>
              </li>
            ))}
          </ul>
        </>
      )}
      <div class="actions">
        <button type="button" class="button" disabled={loading} onClick={reload}>{loading ? o.checking : o.checkAgain}</button>
        <button type="button" class="button button-primary" onClick={next}>{o.groupsNext}</button>
      </div>
    </div>
  );
}

// -- accounting preflight ------------------------------------------------------------------------------------

export function PreflightStep({ state, next }: StepProps) {
  const { lang } = useI18n();
  const o = useOnboardingText();
  const { data, error, loading, reload } = useQuery(PREFLIGHT_CHECKS, { id: state.integration.id });
  const report = data?.preflightChecks;
  const failed = report?.checks.filter((c) => c.status === "FAILED").length ?? 0;
  return (
    <div>
      <p>{o.preflightIntro(SYSTEM_NAMES[state.integration.target])}</p>
      {error && <ErrorBox error={error} onRetry={reload} />}
      {loading && !data && <Loading />}
      {report && (
        <>
          <p role="status" class={failed ? "field-error" : "confirm"} data-testid="preflight-result">
            {loading ? o.checking : failed ? o.preflightFailed(failed) : o.preflightOk}
          </p>
          <div class="table-wrap">
            <table class="table preflight-table">
              <thead>
                <tr><th scope="col">{o.colCheck}</th><th scope="col">{o.colStatus}</th><th scope="col">{o.colExplanation}</th></tr>
              </thead>
              <tbody>
                {report.checks.map((c) => (
                  <tr key={c.code} data-code={c.code} data-status={c.status}>
                    <th scope="row">{lang === "nb" ? c.titleNo : c.title}</th>
                    <td>
                      <PreflightBadge status={c.status} />
                      {!c.verifiable && <div class="sub">{o.byHand}</div>}
                    </td>
                    <td>
                      {c.found && <p class="help">{o.found}: {c.found}</p>}
                      <p class="explanation">{lang === "nb" ? c.explanationNo : c.explanation}</p>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
      <div class="actions">
        <button type="button" class="button" disabled={loading} onClick={reload}>{loading ? o.checking : o.checkAgain}</button>
        <button type="button" class="button button-primary" onClick={next}>{o.next}</button>
      </div>
    </div>
  );
}
