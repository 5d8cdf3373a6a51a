// Mappings: for Rackbeat integrations the groups new records go into and the payment terms (the initial sync's),
// for Mystore the payment methods → Tripletex payment types with how each is transferred. Suggestions come
// pre-filled; saved with setMappings.
import { useEffect, useState } from "preact/hooks";
import { useMutation, useQuery } from "../session";
import { ErrorBox, Loading } from "../ui/components";
import { MAPPING_CHOICES, PAYMENT_METHOD_SUGGESTIONS, SET_MAPPINGS } from "./operations";
import { useOnboardingText } from "./strings";
import type { MappingInput, MappingSuggestion, PaymentOptions } from "./types";
import type { StepProps } from "./OnboardingWizard";

const GROUP_REQUIREMENT: Record<string, string> = {
  customer_group: "CUSTOMER_GROUP", supplier_group: "SUPPLIER_GROUP", product_group: "STOCK_PRODUCT_GROUP",
  service_group: "SERVICE_PRODUCT_GROUP",
};

type Choice = { key: string; name: string };

function keyOf(s: { kind: string; sourceKey: string }): string {
  return `${s.kind}:${s.sourceKey}`;
}

/** The distinct targets the suggestions name (what the API offers as choices where it lists none). */
function targetsOf(suggestions: MappingSuggestion[], kind: string): Choice[] {
  const seen = new Map<string, Choice>();
  for (const s of suggestions) {
    if (s.kind === kind && s.targetKey && !seen.has(s.targetKey)) {
      seen.set(s.targetKey, { key: s.targetKey, name: s.targetName ?? s.targetKey });
    }
  }
  return [...seen.values()];
}

function SavedMark({ s }: { s: MappingSuggestion }) {
  const o = useOnboardingText();
  return <span class="sub">{s.saved ? o.savedMark : s.targetKey ? o.suggested : ""}</span>;
}

export function MappingsStep(props: StepProps) {
  return props.state.integration.source === "RACKBEAT" ? <RackbeatMappings {...props} /> : <PaymentMethodMappings {...props} />;
}

function RackbeatMappings({ state, reload, next }: StepProps) {
  const o = useOnboardingText();
  const id = state.integration.id;
  const { data, error, loading, reload: refetch } = useQuery(MAPPING_CHOICES, { id });
  const [form, setForm] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string | null>(null);
  const save = useMutation(SET_MAPPINGS);
  useEffect(() => {
    if (data) setForm(Object.fromEntries(data.suggestMappings.map((s) => [keyOf(s), s.targetKey ?? ""])));
  }, [data]);

  const suggestions = data?.suggestMappings ?? [];
  const groups = suggestions.filter((s) => s.kind in GROUP_REQUIREMENT);
  const terms = suggestions.filter((s) => s.kind === "payment_term");
  const termChoices = targetsOf(suggestions, "payment_term");
  const groupChoices = (kind: string): Choice[] => {
    const req = data?.rackbeatPrerequisites.requirements.find((r) => r.code === GROUP_REQUIREMENT[kind]);
    const list: Choice[] = (req?.found ?? []).map((g) => ({ key: g.number, name: g.name }));
    const suggested = suggestions.find((s) => s.kind === kind);
    if (suggested?.targetKey && !list.some((c) => c.key === suggested.targetKey)) {
      list.unshift({ key: suggested.targetKey, name: suggested.targetName ?? suggested.targetKey });
    }
    return list;
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    if (groups.some((s) => !form[keyOf(s)])) {
      setProblem(o.groupNeeded);
      return;
    }
    setProblem(null);
    const input: MappingInput[] = suggestions.filter((s) => form[keyOf(s)])
      .map((s) => ({ kind: s.kind, sourceKey: s.sourceKey, targetKey: form[keyOf(s)]! }));
    const result = await save.run({ id, input });
    if (result) {
      reload();
      next();
    }
  };

  return (
    <form onSubmit={submit} noValidate>
      <p>{o.mappingsIntro}</p>
      {error && <ErrorBox error={error} onRetry={refetch} />}
      {loading && !data && <Loading />}
      {data && (
        <>
          <fieldset>
            <legend>{o.groupsHeading}</legend>
            <div class="mapping-grid">
              {groups.map((s) => (
                <div class="field" key={keyOf(s)}>
                  <label for={`map-${s.kind}`}>{o.groupKinds[s.kind] ?? s.kind}</label>
                  <select id={`map-${s.kind}`} value={form[keyOf(s)] ?? ""}
                    onChange={(e) => setForm({ ...form, [keyOf(s)]: e.currentTarget.value })}>
                    <option value="">{o.notMapped}</option>
                    {groupChoices(s.kind).map((c) => <option key={c.key} value={c.key}>{c.name} ({c.key})</option>)}
                  </select>
                  <SavedMark s={s} />
                </div>
              ))}
            </div>
          </fieldset>
          <fieldset>
            <legend>{o.termsHeading}</legend>
            {terms.length === 0 && <p class="help">{o.noTerms}</p>}
            <div class="mapping-grid">
              {terms.map((s) => (
                <div class="field" key={keyOf(s)}>
                  <label for={`map-term-${s.sourceKey}`}>{o.termLabel(s.sourceName)}</label>
                  <select id={`map-term-${s.sourceKey}`} value={form[keyOf(s)] ?? ""}
                    onChange={(e) => setForm({ ...form, [keyOf(s)]: e.currentTarget.value })}>
                    <option value="">{o.notMapped}</option>
                    {termChoices.map((c) => <option key={c.key} value={c.key}>{c.name} ({c.key})</option>)}
                  </select>
                  <SavedMark s={s} />
                </div>
              ))}
            </div>
          </fieldset>
        </>
      )}
      {problem && <p class="field-error" role="alert">{problem}</p>}
      {save.error && <ErrorBox error={save.error} />}
      <div class="actions">
        <button type="submit" class="button button-primary" disabled={save.busy || !data}>
          {save.busy ? o.savingMappings : o.saveMappings}
        </button>
      </div>
    </form>
  );
}

interface MethodRow { targetKey: string; options: Required<PaymentOptions> }

function PaymentMethodMappings({ state, reload, next }: StepProps) {
  const o = useOnboardingText();
  const id = state.integration.id;
  const { data, error, loading, reload: refetch } = useQuery(PAYMENT_METHOD_SUGGESTIONS, { id });
  const [form, setForm] = useState<Record<string, MethodRow>>({});
  const save = useMutation(SET_MAPPINGS);
  const methods = (data?.suggestMappings ?? []).filter((s) => s.kind === "payment_method");
  useEffect(() => {
    if (!data) return;
    setForm(Object.fromEntries(methods.map((s) => {
      const opts = s.options as PaymentOptions;
      return [s.sourceKey, { targetKey: s.targetKey ?? "", options: {
        transferAs: opts.transferAs ?? "INVOICE", sendInvoice: !!opts.sendInvoice, markAsPaid: opts.markAsPaid ?? true,
      } }];
    })));
  }, [data]);
  const choices = targetsOf(methods, "payment_method");
  const set = (key: string, patch: { targetKey?: string; options?: PaymentOptions }) => {
    const row = form[key]!;
    setForm({ ...form, [key]: { targetKey: patch.targetKey ?? row.targetKey, options: { ...row.options, ...patch.options } } });
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    const input: MappingInput[] = methods.filter((s) => form[s.sourceKey]).map((s) => ({
      kind: "payment_method", sourceKey: s.sourceKey, targetKey: form[s.sourceKey]!.targetKey,
      options: form[s.sourceKey]!.options,
    }));
    const result = await save.run({ id, input });
    if (result) {
      reload();
      next();
    }
  };

  return (
    <form onSubmit={submit} noValidate>
      <p>{o.paymentIntro}</p>
      {error && <ErrorBox error={error} onRetry={refetch} />}
      {loading && !data && <Loading />}
      {data && methods.length === 0 && <p class="help">{o.noMethods}</p>}
      {methods.map((s) => {
        const row = form[s.sourceKey];
        if (!row) return null;
        const k = s.sourceKey.replace(/[^A-Za-z0-9_-]/g, "_");
        return (
          <fieldset key={s.sourceKey} class="method">
            <legend>{s.sourceName} <SavedMark s={s} /></legend>
            <div class="mapping-grid">
              <div class="field">
                <label for={`pm-${k}-type`}>{o.methodLabel(s.sourceName)}</label>
                <select id={`pm-${k}-type`} value={row.targetKey} onChange={(e) => set(s.sourceKey, { targetKey: e.currentTarget.value })}>
                  <option value="">{o.noPaymentType}</option>
                  {choices.map((c) => <option key={c.key} value={c.key}>{c.name}</option>)}
                </select>
              </div>
              <div class="field">
                <label for={`pm-${k}-as`}>{o.transferAsLabel(s.sourceName)}</label>
                <select id={`pm-${k}-as`} value={row.options.transferAs}
                  onChange={(e) => set(s.sourceKey, { options: { transferAs: e.currentTarget.value as "INVOICE" | "ORDER" } })}>
                  {(["INVOICE", "ORDER"] as const).map((v) => <option key={v} value={v}>{o.transferAs[v]}</option>)}
                </select>
              </div>
            </div>
            <div class="choice choice-check">
              <input type="checkbox" id={`pm-${k}-paid`} checked={row.options.markAsPaid}
                onChange={(e) => set(s.sourceKey, { options: { markAsPaid: e.currentTarget.checked } })} />
              <label for={`pm-${k}-paid`}>{o.markAsPaidLabel(s.sourceName)}</label>
            </div>
            <div class="choice choice-check">
              <input type="checkbox" id={`pm-${k}-send`} checked={row.options.sendInvoice}
                onChange={(e) => set(s.sourceKey, { options: { sendInvoice: e.currentTarget.checked } })} />
              <label for={`pm-${k}-send`}>{o.sendInvoiceLabel(s.sourceName)}</label>
            </div>
          </fieldset>
        );
      })}
      {save.error && <ErrorBox error={save.error} />}
      <div class="actions">
        <button type="submit" class="button button-primary" disabled={save.busy || !data}>
          {save.busy ? o.savingMappings : o.saveMappings}
        </button>
      </div>
    </form>
  );
}
