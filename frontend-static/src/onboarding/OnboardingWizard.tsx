// The onboarding wizard (#/onboard for a new company, #/integrations/:id/onboarding[/:step] to resume or revisit),
// in the order the onboarding guides follow: company → credentials → Rackbeat groups → accounting checks →
// mappings → initial sync preview → run it → operating settings → done (the e-mail with the settings link).
// Every step reads and writes through the GraphQL API; where an integration stands is derived from its
// connections, mappings, initial sync and status, so the wizard resumes where it was left.
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import type { Integration } from "../api/types";
import { SYSTEM_NAMES } from "../i18n";
import { href, navigate } from "../router";
import { useQuery } from "../session";
import { ErrorBox, Loading, PageTitle } from "../ui/components";
import { useI18n } from "../i18n";
import { ONBOARDING_STATE } from "./operations";
import { useOnboardingText } from "./strings";
import { CompanyForm, CompanyStep, CredentialsStep, GroupsStep, PreflightStep } from "./steps";
import { MappingsStep } from "./mappings";
import { PreviewStep, SyncStep } from "./sync";
import { DoneStep, OperatingSettingsStep } from "./finish";
import "./onboarding.css";

export type StepId = "company" | "credentials" | "groups" | "preflight" | "mappings" | "preview" | "sync" | "settings"
  | "done";

const RACKBEAT_STEPS: StepId[] = ["company", "credentials", "groups", "preflight", "mappings", "preview", "sync",
  "settings", "done"];
const WEBSHOP_STEPS: StepId[] = ["company", "credentials", "preflight", "mappings", "settings", "done"];

export interface OnboardingState {
  integration: Integration;
  mappings: { kind: string; sourceKey: string; targetKey: string }[];
  initialSync: { status: string; percent: number } | null;
}

export interface StepProps {
  state: OnboardingState;
  /** Fetch the integration's state again (after a step changed it). */
  reload: () => void;
  /** Go to the next step. */
  next: () => void;
  go: (step: StepId) => void;
  /** The entities chosen in the preview, for the run (null: all). */
  entities: string[] | null;
  setEntities: (entities: string[] | null) => void;
}

export function stepsOf(integration: Pick<Integration, "source"> | null): StepId[] {
  return integration && integration.source !== "RACKBEAT" ? WEBSHOP_STEPS : RACKBEAT_STEPS;
}

const GROUP_KINDS = ["customer_group", "supplier_group", "product_group", "service_group"];

/** The first step not done yet. */
export function resumeStep(state: OnboardingState): StepId {
  const { integration, mappings, initialSync } = state;
  const ok = (system: string) => integration.connections.some((c) => c.system === system && c.status === "OK");
  if (!ok(integration.source) || !ok(integration.target)) return "credentials";
  if (integration.status === "ACTIVE") return "done";
  if (initialSync) return initialSync.status === "SUCCEEDED" ? "settings" : "sync";
  if (integration.source === "RACKBEAT") {
    const saved = new Set(mappings.filter((m) => m.targetKey).map((m) => m.kind));
    return GROUP_KINDS.every((k) => saved.has(k)) ? "preview" : "groups";
  }
  return mappings.some((m) => m.kind === "payment_method") ? "settings" : "preflight";
}

function stepHref(id: string, step: StepId): string {
  return href(["integrations", id, "onboarding", step]);
}

export function OnboardingWizard({ id, step }: { id: string | null; step: string | null }) {
  const { t } = useI18n();
  const o = useOnboardingText();
  const { data, error, loading, reload } = useQuery(ONBOARDING_STATE, { id: id ?? "" }, { skip: !id });
  const [entities, setEntities] = useState<string[] | null>(null);
  const integration = id ? data?.integration ?? null : null;
  const state: OnboardingState | null = integration && data
    ? { integration, mappings: data.mappings, initialSync: data.initialSync } : null;
  const steps = stepsOf(integration);
  const resume = state ? resumeStep(state) : "company";
  const current: StepId = !id ? "company" : (steps.includes(step as StepId) ? step as StepId : resume);

  // #/integrations/:id/onboarding without a step: the step the integration stands at
  useEffect(() => {
    if (id && state && !steps.includes(step as StepId)) navigate(stepHref(id, resume), { replace: true });
  }, [id, !!state, step]);

  // the step's heading takes the focus whenever the step changes (not on the page's first render: the <h1> has it)
  const heading = useRef<HTMLHeadingElement>(null);
  const shown = useRef<string | null>(null);
  const ready = !id || !!state;
  useEffect(() => {
    if (!ready) return;
    const key = `${id ?? ""}/${current}`;
    if (shown.current !== null && shown.current !== key) heading.current?.focus();
    shown.current = key;
  }, [ready, id, current]);

  if (id && loading && !data) return <Loading />;
  if (id && error && !data) return <ErrorBox error={error} onRetry={reload} />;
  if (id && !integration) {
    return (
      <section>
        <PageTitle title={t.notFound}>{t.notFound}</PageTitle>
        <p>{t.notFoundText}</p>
      </section>
    );
  }

  const index = steps.indexOf(current);
  const doneUpTo = steps.indexOf(resume);
  const go = (s: StepId) => id && navigate(stepHref(id, s));
  const next = () => go(steps[Math.min(index + 1, steps.length - 1)]!);
  const company = integration?.companyName ?? o.newCompany;

  let body: ComponentChildren;
  if (!state || !id) {
    body = <CompanyForm onStarted={(newId) => navigate(stepHref(newId, "credentials"))} />;
  } else {
    const props: StepProps = { state, reload, next, go, entities, setEntities };
    body = {
      company: <CompanyStep {...props} />,
      credentials: <CredentialsStep {...props} />,
      groups: <GroupsStep {...props} />,
      preflight: <PreflightStep {...props} />,
      mappings: <MappingsStep {...props} />,
      preview: <PreviewStep {...props} />,
      sync: <SyncStep {...props} />,
      settings: <OperatingSettingsStep {...props} />,
      done: <DoneStep {...props} />,
    }[current];
  }

  return (
    <section class="wizard">
      <nav class="breadcrumbs" aria-label="Breadcrumb">
        <a href={href(["integrations"])}>{t.navIntegrations}</a>
        {integration && <><span aria-hidden="true"> / </span><a href={href(["integrations", integration.id])}>
          {integration.companyName}</a></>}
        <span aria-hidden="true"> / </span>
      </nav>
      <div class="page-head">
        <PageTitle title={`${o.wizardTitle} · ${o.steps[current]}`}>{o.wizardTitleOf(company)}</PageTitle>
        {integration && (
          <p class="flow">{SYSTEM_NAMES[integration.source]} → {SYSTEM_NAMES[integration.target]}</p>
        )}
      </div>
      <div class="wizard-layout">
        <nav class="wizard-steps" aria-label={o.stepsNav}>
          <ol>
            {steps.map((s, i) => {
              const done = !!state && i < doneUpTo;
              const label = o.steps[s];
              return (
                <li key={s} class={`${s === current ? "is-current" : ""} ${done ? "is-done" : ""}`}>
                  {id ? (
                    <a href={stepHref(id, s)} aria-current={s === current ? "step" : undefined}>
                      <span class="step-mark" aria-hidden="true">{done ? "✓" : i + 1}</span>
                      <span>{label}</span>
                      {done && <span class="visually-hidden"> ({o.stepDone})</span>}
                    </a>
                  ) : (
                    <span aria-current={s === current ? "step" : undefined} aria-disabled={s !== current ? "true" : undefined}
                      class="step-link">
                      <span class="step-mark" aria-hidden="true">{i + 1}</span><span>{label}</span>
                    </span>
                  )}
                </li>
              );
            })}
          </ol>
        </nav>
        <section class="card wizard-step" aria-labelledby="wizard-step-heading" data-step={current}>
          <p class="muted small step-count">{o.stepOf(index + 1, steps.length)}</p>
          <h2 id="wizard-step-heading" ref={heading} tabIndex={-1}>{o.steps[current]}</h2>
          {body}
          {id && index > 0 && (
            <p class="wizard-back"><a href={stepHref(id, steps[index - 1]!)}>← {o.back}: {o.steps[steps[index - 1]!]}</a></p>
          )}
        </section>
      </div>
    </section>
  );
}
