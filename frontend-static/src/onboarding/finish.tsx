// The last steps: the operating settings (the settings form of the integration page) and finishing onboarding,
// which activates the integration and e-mails the contact person the settings link.
import { useState } from "preact/hooks";
import { SettingsTab } from "../pages/SettingsTab";
import { SYSTEM_NAMES, useI18n } from "../i18n";
import { href } from "../router";
import { useMutation, useQuery } from "../session";
import { ErrorBox, IntegrationStatusBadge } from "../ui/components";
import { FINISH_ONBOARDING, SENT_EMAILS } from "./operations";
import { useOnboardingText } from "./strings";
import type { OnboardingFinished } from "./types";
import type { StepProps } from "./OnboardingWizard";

export function OperatingSettingsStep({ state, reload, next }: StepProps) {
  const o = useOnboardingText();
  return (
    <div class="wizard-settings">
      <p>{o.settingsIntro}</p>
      <SettingsTab integration={state.integration} onSaved={() => reload()} />
      <div class="actions">
        <button type="button" class="button button-primary" onClick={next}>{o.next}</button>
      </div>
    </div>
  );
}

export function DoneStep({ state, reload }: StepProps) {
  const { t, dateTime } = useI18n();
  const o = useOnboardingText();
  const i = state.integration;
  const finish = useMutation(FINISH_ONBOARDING);
  const [result, setResult] = useState<OnboardingFinished | null>(null);
  const emails = useQuery(SENT_EMAILS, { id: i.id }, { skip: i.status !== "ACTIVE" });

  return (
    <div>
      <p>{o.doneIntro}</p>
      <h3>{o.summary}</h3>
      <dl class="facts">
        <dt>{o.companyName}</dt><dd>{i.companyName}</dd>
        <dt>{o.contactPerson}</dt><dd>{i.contactPerson}</dd>
        <dt>{o.email}</dt><dd>{i.email}</dd>
        <dt>{o.linkFlow}</dt><dd>{SYSTEM_NAMES[i.source]} → {SYSTEM_NAMES[i.target]}</dd>
        <dt>{t.status}</dt><dd><IntegrationStatusBadge status={i.status} /></dd>
      </dl>
      <div role="status" data-testid="finish-result">
        {result && (
          <div class="notice notice-info">
            {result.alreadyFinished ? <p>{o.alreadyFinished}</p> : result.email && (
              <>
                <p><strong><span aria-hidden="true">✓ </span>{o.finished(result.email.to)}</strong></p>
                {result.email.status === "CAPTURED" && <p>{o.captured}</p>}
                {result.email.status === "FAILED" && <p class="field-error">{result.email.error}</p>}
              </>
            )}
            {result.settingsLinkExpiresAt && <p>{o.linkValidUntil(dateTime(result.settingsLinkExpiresAt))}</p>}
          </div>
        )}
      </div>
      {finish.error && <ErrorBox error={finish.error} />}
      {i.status !== "ACTIVE" && !result && (
        <div class="actions">
          <button type="button" class="button button-primary" disabled={finish.busy} onClick={async () => {
            const done = await finish.run({ id: i.id });
            if (done) {
              setResult(done.finishOnboarding);
              reload();
            }
          }}>{finish.busy ? o.finishing : o.finish}</button>
        </div>
      )}
      {i.status === "ACTIVE" && (
        <>
          {!result && <p><strong>{o.active}</strong></p>}
          {emails.data && emails.data.sentEmails.length > 0 && (
            <>
              <h3>{o.emailsHeading}</h3>
              <ul class="emails">
                {emails.data.sentEmails.map((e) => (
                  <li key={e.id}>{dateTime(e.createdAt)} · {e.to} · {e.subject} · <strong>{o.emailStatus[e.status]}</strong>
                    {e.error ? ` — ${e.error}` : ""}</li>
                ))}
              </ul>
            </>
          )}
          <p class="actions">
            <a class="button" href={href(["integrations", i.id])}>{o.toOverview}</a>
            <a class="button" href={href(["integrations", i.id, "transfers"])}>{o.openLog}</a>
          </p>
        </>
      )}
    </div>
  );
}
