import { useState } from "preact/hooks";
import { TEST_CONNECTION } from "../api/operations";
import type { Connection, Integration } from "../api/types";
import { SYSTEM_NAMES, useI18n } from "../i18n";
import { useMutation } from "../session";
import { TransferChart } from "../stats/TransferChart";
import { ConnectionStatusBadge, ErrorBox } from "../ui/components";

export function OverviewTab({ integration, onChange }: {
  integration: Integration; onChange: (next: Partial<Integration>) => void;
}) {
  const { t, dateTime } = useI18n();
  return (
    <div class="overview">
      <section class="card" aria-labelledby="company-heading">
        <h2 id="company-heading">{t.company}</h2>
        <dl class="facts">
          <dt>{t.company}</dt><dd>{integration.companyName}</dd>
          <dt>{t.contactPerson}</dt><dd>{integration.contactPerson}</dd>
          <dt>{t.email}</dt><dd><a href={`mailto:${integration.email}`}>{integration.email}</a></dd>
          <dt>{t.created}</dt><dd>{dateTime(integration.createdAt)}</dd>
          <dt>{t.webhookUrl}</dt><dd><code class="break">{integration.webhookUrl}</code></dd>
        </dl>
      </section>
      <TransferChart integrationId={integration.id} />
      <section aria-labelledby="connections-heading">
        <h2 id="connections-heading">{t.connections}</h2>
        {integration.connections.length === 0 && <p class="empty">{t.noConnectionsYet}</p>}
        <div class="connections">
          {integration.connections.map((c) => (
            <ConnectionCard key={c.id} connection={c} onTested={(tested) => onChange({
              connections: integration.connections.map((x) => (x.id === tested.id ? tested : x)),
            })} />
          ))}
        </div>
      </section>
    </div>
  );
}

function ConnectionCard({ connection: c, onTested }: { connection: Connection; onTested: (c: Connection) => void }) {
  const { t, dateTime } = useI18n();
  const { run, busy, error } = useMutation(TEST_CONNECTION);
  const [done, setDone] = useState(false);
  const name = SYSTEM_NAMES[c.system];
  const headingId = `connection-${c.id}`;
  return (
    <section class="card connection" aria-labelledby={headingId}>
      <div class="card-head">
        <h3 id={headingId}>{t.connectionOf(name)}</h3>
        <ConnectionStatusBadge status={c.status} />
      </div>
      <dl class="facts">
        <dt>{t.lastTested}</dt><dd>{c.lastTestedAt ? dateTime(c.lastTestedAt) : t.never}</dd>
        {c.system === "RACKBEAT" || c.system === "MYSTORE" ? (
          <><dt>{t.webhooks}</dt><dd>{c.webhooksRegistered ? t.webhooksOn : t.webhooksOff}</dd></>
        ) : null}
      </dl>
      {c.checks.length > 0 && (
        <>
          <h4>{t.checks}</h4>
          <ul class="checks">
            {c.checks.map((check) => (
              <li key={check.name} class={check.ok ? "check check-ok" : "check check-bad"}>
                <span class="check-icon" aria-hidden="true">{check.ok ? "✓" : "✕"}</span>
                <span class="visually-hidden">{check.ok ? t.checkOk : t.checkFailed}: </span>
                <span><strong>{check.name}</strong> — {check.message}</span>
              </li>
            ))}
          </ul>
        </>
      )}
      <div class="actions">
        <button type="button" class="button" disabled={busy} onClick={async () => {
          setDone(false);
          const result = await run({ id: c.id });
          if (result) {
            onTested(result.testConnection);
            setDone(true);
          }
        }}>{busy ? t.testing : t.testAgain}</button>
        <span role="status" class="confirm">{done ? t.tested(name) : ""}</span>
      </div>
      {error && <ErrorBox error={error} />}
    </section>
  );
}
