// Mappings: for Rackbeat integrations the groups new records go into and the payment terms (the initial sync's),
// for Mystore the payment methods → Tripletex payment types with how each is transferred. Every select offers all
// the values the API lists (mappingChoices), with the saved or suggested one pre-selected; saved with setMappings.
import { useEffect, useState } from "preact/hooks";
import type { MappingChoice } from "../api/types";
import { useMutation, useQuery } from "../session";
import { ErrorBox, Loading } from "../ui/components";
import { MAPPING_SUGGESTIONS, PAYMENT_TYPE_CHOICES, RACKBEAT_MAPPING_CHOICES, SET_MAPPINGS } from "./operations";
import { useOnboardingText } from "./strings";
import type { MappingInput, MappingSuggestion, PaymentOptions } from "./types";
import type { StepProps } from "./OnboardingWizard";

const GROUP_KINDS = ["customer_group", "supplier_group", "product_group", "service_group"];

type ChoicesByKind = Record<string, MappingChoice[]>;

function keyOf(s: { kind: string; sourceKey: string }): string {
  return `${s.kind}:${s.sourceKey}`;
}

/**
 * The options of a mapping select: every value the API lists for the kind, plus any target a suggestion or saved
 * mapping names that the list lacks (so a pre-selected value is always among the options).
 */
function optionsOf(listed: MappingChoice[] | undefined, suggestions: MappingSuggestion[], kind: string): MappingChoice[] {
  const options = [...(listed ?? [])];
  for (const s of suggestions) {
    if (s.kind === kind && s.targetKey && !options.some((c) => c.key === s.targetKey)) {
      options.push({ key: s.targetKey, name: s.targetName ?? s.targetKey, detail: null });
    }
  }
  return options;
}

function optionText(c: MappingChoice, withKey: boolean): string {
  const name = withKey ? `${c.name} (${c.key})` : c.name || c.key;
  return c.detail ? `${name} — ${c.detail}` : name;
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
  const { data, error, loading, reload: refetch } = useQuery(MAPPING_SUGGESTIONS, { id });
  const listed = useQuery(RACKBEAT_MAPPING_CHOICES, { id });
  const [form, setForm] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string | null>(null);
  const save = useMutation(SET_MAPPINGS);
  useEffect(() => {
    if (data) setForm(Object.fromEntries(data.suggestMappings.map((s) => [keyOf(s), s.targetKey ?? ""])));
  }, [data]);

  const suggestions = data?.suggestMappings ?? [];
  const groups = suggestions.filter((s) => GROUP_KINDS.includes(s.kind));
  const terms = suggestions.filter((s) => s.kind === "payment_term");
  const byKind: ChoicesByKind | null = listed.data && {
    customer_group: listed.data.customerGroups, supplier_group: listed.data.supplierGroups,
    product_group: listed.data.productGroups, service_group: listed.data.serviceGroups,
    payment_term: listed.data.paymentTerms,
  };
  const choices = (kind: string) => optionsOf(byKind?.[kind], suggestions, kind);

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
      {listed.error && <ErrorBox error={listed.error} onRetry={listed.reload} />}
      {(loading && !data) || (listed.loading && !listed.data) ? <Loading /> : null}
      {data && (listed.data || listed.error) && (
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
                    {choices(s.kind).map((c) => <option key={c.key} value={c.key}>{optionText(c, true)}</option>)}
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
                    {choices("payment_term").map((c) => <option key={c.key} value={c.key}>{optionText(c, true)}</option>)}
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
  const { data, error, loading, reload: refetch } = useQuery(MAPPING_SUGGESTIONS, { id });
  // payment types can be listed for Tripletex; for another target only the suggested ones are offered
  const listed = useQuery(PAYMENT_TYPE_CHOICES, { id }, { skip: state.integration.target !== "TRIPLETEX" });
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
  const choices = optionsOf(listed.data?.mappingChoices, methods, "payment_method");
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
      {listed.error && <ErrorBox error={listed.error} onRetry={listed.reload} />}
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
                  {choices.map((c) => <option key={c.key} value={c.key}>{optionText(c, false)}</option>)}
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
