// Every operating setting of an integration that applies to its source → target, each with a label, its control
// and a one-line explanation. The same form serves the integration's Settings tab, the onboarding wizard's
// settings step and the customer's settings-link page. Only what was changed is sent (updateSettings).
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { UPDATE_SETTINGS } from "../api/operations";
import type {
  CustomerMatch, EAccountingInvoiceStatus, EntitySync, Integration, InvoiceNumberSource, OrderFlowStart, Settings,
  SettingsInput, System, TransferMode,
} from "../api/types";
import { SYSTEM_NAMES, useI18n, type Dict } from "../i18n";
import { useMutation } from "../session";
import { ErrorBox } from "../ui/components";

type EntityKey = "syncCustomers" | "syncSuppliers" | "syncProducts" | "syncBoms";

const ENTITY_FIELDS: { key: EntityKey; label: (t: Dict) => string }[] = [
  { key: "syncCustomers", label: (t) => t.syncCustomers },
  { key: "syncSuppliers", label: (t) => t.syncSuppliers },
  { key: "syncProducts", label: (t) => t.syncProducts },
  { key: "syncBoms", label: (t) => t.syncBoms },
];

const OFFSET_MAX = 1_000_000_000;

type Field = keyof Required<SettingsInput>;

/**
 * Which settings take effect for a source → target (as the transfer pipeline reads them): Rackbeat's invoice flow,
 * record sync and purchase orders; Mystore's customer numbering and matching (matching and updating only in
 * Tripletex); eAccounting's invoice status and quantities; Tripletex's invoice transfer mode and numbering. A
 * Mystore order's mode and e-mail follow its payment method's mapping, not these settings.
 */
export function applicableSettings(source: System, target: System): Set<Field> {
  const rackbeat = source === "RACKBEAT";
  const webshop = source === "MYSTORE";
  const tripletex = target === "TRIPLETEX";
  const eaccounting = target === "EACCOUNTING";
  const on: [Field, boolean][] = [
    ["startOrderFlowFrom", rackbeat],
    ["invoiceTransferMode", rackbeat && tripletex],
    ["sendInvoiceToCustomer", rackbeat && tripletex],
    ["invoiceNumberSource", tripletex],
    ["eaccountingInvoiceStatus", eaccounting],
    ["useExactQuantity", eaccounting],
    ["customerNumberOffset", webshop],
    ["customerMatch", webshop && tripletex],
    ["updateExistingCustomers", webshop && tripletex],
    ["syncCustomers", rackbeat],
    ["syncSuppliers", rackbeat],
    ["syncProducts", rackbeat],
    ["syncBoms", rackbeat],
    ["transferPurchaseOrders", rackbeat],
  ];
  return new Set(on.filter(([, applies]) => applies).map(([field]) => field));
}

/** The form's state: every setting as saved, the number as the text typed (validated on save). */
type Form = Omit<Required<SettingsInput>, "customerNumberOffset"> & { customerNumberOffset: string };

function formOf(s: Settings): Form {
  return {
    invoiceTransferMode: s.invoiceTransferMode, sendInvoiceToCustomer: s.sendInvoiceToCustomer,
    syncCustomers: s.syncCustomers, syncSuppliers: s.syncSuppliers, syncProducts: s.syncProducts, syncBoms: s.syncBoms,
    eaccountingInvoiceStatus: s.eaccountingInvoiceStatus, startOrderFlowFrom: s.startOrderFlowFrom,
    useExactQuantity: s.useExactQuantity, transferPurchaseOrders: s.transferPurchaseOrders,
    customerNumberOffset: String(s.customerNumberOffset), customerMatch: s.customerMatch,
    updateExistingCustomers: s.updateExistingCustomers, invoiceNumberSource: s.invoiceNumberSource,
  };
}

function parseOffset(text: string): number | null {
  const trimmed = text.trim();
  if (!/^\d{1,10}$/.test(trimmed)) return null;
  const n = Number(trimmed);
  return n <= OFFSET_MAX ? n : null;
}

function RadioSetting<V extends string>({ id, legend, help, value, options, onChange }: {
  id: string; legend: string; help?: string; value: V;
  options: { value: V; label: string; help?: string }[]; onChange: (v: V) => void;
}) {
  return (
    <fieldset data-setting={id} aria-describedby={help ? `${id}-help` : undefined}>
      <legend>{legend}</legend>
      {help && <p class="help setting-help" id={`${id}-help`}>{help}</p>}
      {options.map((o) => (
        <div class="choice" key={o.value}>
          <input type="radio" id={`${id}-${o.value}`} name={id} value={o.value} checked={value === o.value}
            aria-describedby={o.help ? `${id}-${o.value}-help` : undefined} onChange={() => onChange(o.value)} />
          <label for={`${id}-${o.value}`}>{o.label}</label>
          {o.help && <p class="help" id={`${id}-${o.value}-help`}>{o.help}</p>}
        </div>
      ))}
    </fieldset>
  );
}

function CheckSetting({ id, label, help, checked, onChange }: {
  id: string; label: string; help: string; checked: boolean; onChange: (v: boolean) => void;
}) {
  return (
    <div class="choice choice-check" data-setting={id}>
      <input type="checkbox" id={id} checked={checked} aria-describedby={`${id}-help`}
        onChange={(e) => onChange(e.currentTarget.checked)} />
      <label for={id}>{label}</label>
      <p class="help" id={`${id}-help`}>{help}</p>
    </div>
  );
}

function Section({ id, title, children }: { id: string; title: string; children: ComponentChildren }) {
  return (
    <section class="settings-section" aria-labelledby={`settings-${id}`} data-section={id}
      style={{ borderTop: "1px solid var(--line)", paddingTop: "0.9rem", marginTop: "0.9rem" }}>
      <h3 id={`settings-${id}`} style={{ color: "var(--accent-strong)", marginBottom: "0.75rem" }}>{title}</h3>
      {children}
    </section>
  );
}

export function SettingsTab({ integration, onSaved }: { integration: Integration; onSaved: (s: Settings) => void }) {
  const { t, time, lang } = useI18n();
  const settings = integration.settings;
  const [form, setForm] = useState<Form | null>(() => (settings ? formOf(settings) : null));
  const [savedAt, setSavedAt] = useState<Date | null>(null);
  const [offsetError, setOffsetError] = useState(false);
  const { run, busy, error } = useMutation(UPDATE_SETTINGS);
  const confirmation = useRef<HTMLParagraphElement>(null);
  const offsetInput = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (savedAt) confirmation.current?.focus();
  }, [savedAt]);

  if (!settings || !form) return <p class="empty">{t.noSettings}</p>;
  const source = SYSTEM_NAMES[integration.source];
  const target = SYSTEM_NAMES[integration.target];
  const shown = applicableSettings(integration.source, integration.target);
  const saved = formOf(settings);
  const dirty = JSON.stringify(form) !== JSON.stringify(saved);
  const set = (patch: Partial<Form>) => {
    setForm({ ...form, ...patch });
    setSavedAt(null);
    if ("customerNumberOffset" in patch) setOffsetError(false);
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    // only what changed: another person's change to a setting this form did not touch is kept
    const input: SettingsInput = {};
    for (const key of Object.keys(form) as (keyof Form)[]) {
      if (form[key] === saved[key]) continue;
      if (key === "customerNumberOffset") {
        const n = parseOffset(form.customerNumberOffset);
        if (n === null) {
          setOffsetError(true);
          offsetInput.current?.focus();
          return;
        }
        input.customerNumberOffset = n;
      } else {
        (input as Record<string, unknown>)[key] = form[key];
      }
    }
    const result = await run({ integrationId: integration.id, input });
    if (result) {
      onSaved(result.updateSettings);
      setForm(formOf(result.updateSettings));
      setSavedAt(new Date());
    }
  };

  const invoiceSettings = (["startOrderFlowFrom", "invoiceTransferMode", "sendInvoiceToCustomer",
    "invoiceNumberSource"] as Field[]).some((f) => shown.has(f)) || integration.source === "MYSTORE";
  const webshopSettings = shown.has("customerNumberOffset");
  const eaccountingSettings = shown.has("eaccountingInvoiceStatus");
  const recordSettings = shown.has("syncCustomers") || shown.has("transferPurchaseOrders");
  const notSynced = lang === "en" && settings.notesNotSynced
    ? `${settings.notesNotSynced} ${t.notSyncedWhere(source)}` : t.notSynced(source);

  return (
    <form class="settings card" onSubmit={submit} aria-labelledby="settings-heading" noValidate>
      <h2 id="settings-heading">{t.settingsTitle}</h2>
      <p class="help">{t.settingsIntro(source, target)}</p>

      {invoiceSettings && (
        <Section id="invoices" title={t.sectionInvoices}>
          {shown.has("startOrderFlowFrom") && (
            <RadioSetting id="order-flow" legend={t.startOrderFlowFrom} help={t.startOrderFlowHelp(source)}
              value={form.startOrderFlowFrom} onChange={(v) => set({ startOrderFlowFrom: v })}
              options={(["RACKBEAT", "DONT_TRANSFER"] as OrderFlowStart[]).map((v) => ({
                value: v, label: t.orderFlow[v](source) }))} />
          )}
          {shown.has("invoiceTransferMode") && (
            <RadioSetting id="mode" legend={t.invoiceTransferMode} help={t.invoiceTransferModeHelp}
              value={form.invoiceTransferMode} onChange={(v) => set({ invoiceTransferMode: v })}
              options={(["INVOICE", "ORDER"] as TransferMode[]).map((v) => ({
                value: v, label: t.transferMode[v], help: v === "INVOICE" ? t.modeInvoiceHelp : t.modeOrderHelp }))} />
          )}
          {shown.has("sendInvoiceToCustomer") && (
            <CheckSetting id="send-invoice" label={t.sendInvoiceToCustomer} help={t.sendInvoiceHelp}
              checked={form.sendInvoiceToCustomer} onChange={(v) => set({ sendInvoiceToCustomer: v })} />
          )}
          {integration.source === "MYSTORE" && <p class="help" data-testid="webshop-mode-note">{t.webshopModeNote}</p>}
          {shown.has("invoiceNumberSource") && (
            <RadioSetting id="invoice-numbers" legend={t.invoiceNumberSource} help={t.invoiceNumberSourceHelp(target)}
              value={form.invoiceNumberSource} onChange={(v) => set({ invoiceNumberSource: v })}
              options={(["TARGET", "SOURCE"] as InvoiceNumberSource[]).map((v) => ({
                value: v, label: t.invoiceNumbers[v](source, target) }))} />
          )}
        </Section>
      )}

      {eaccountingSettings && (
        <Section id="eaccounting" title={t.sectionEAccounting}>
          <RadioSetting id="ea-status" legend={t.eaccountingInvoiceStatus} help={t.eaccountingInvoiceStatusHelp}
            value={form.eaccountingInvoiceStatus} onChange={(v) => set({ eaccountingInvoiceStatus: v })}
            options={(["DRAFT", "INVOICED", "INVOICED_AND_EMAIL"] as EAccountingInvoiceStatus[]).map((v) => ({
              value: v, label: t.eaccountingStatus[v] }))} />
          {shown.has("useExactQuantity") && (
            <CheckSetting id="exact-quantity" label={t.useExactQuantity} help={t.useExactQuantityHelp}
              checked={form.useExactQuantity} onChange={(v) => set({ useExactQuantity: v })} />
          )}
        </Section>
      )}

      {webshopSettings && (
        <Section id="webshop-customers" title={t.sectionWebshopCustomers}>
          <div class="field" data-setting="customer-number-offset">
            <label for="customer-number-offset">{t.customerNumberOffset}</label>
            <p class="help" id="customer-number-offset-help">{t.customerNumberOffsetHelp(target)}</p>
            <input ref={offsetInput} type="text" inputMode="numeric" id="customer-number-offset" autoComplete="off"
              style={{ maxWidth: "12rem" }} value={form.customerNumberOffset} aria-invalid={offsetError}
              aria-describedby={offsetError ? "customer-number-offset-help customer-number-offset-error"
                : "customer-number-offset-help"}
              onInput={(e) => set({ customerNumberOffset: e.currentTarget.value })} />
            {offsetError && (
              <p class="field-error" id="customer-number-offset-error" role="alert">{t.customerNumberOffsetInvalid}</p>
            )}
          </div>
          {shown.has("customerMatch") && (
            <RadioSetting id="customer-match" legend={t.customerMatch} help={t.customerMatchHelp(target)}
              value={form.customerMatch} onChange={(v) => set({ customerMatch: v })}
              options={(["CUSTOMER_NUMBER", "ORGANIZATION_NUMBER"] as CustomerMatch[]).map((v) => ({
                value: v, label: t.customerMatches[v] }))} />
          )}
          {shown.has("updateExistingCustomers") && (
            <CheckSetting id="update-customers" label={t.updateExistingCustomers} help={t.updateExistingCustomersHelp}
              checked={form.updateExistingCustomers} onChange={(v) => set({ updateExistingCustomers: v })} />
          )}
        </Section>
      )}

      {recordSettings && (
        <Section id="records" title={t.sectionRecords}>
          <fieldset aria-describedby="entity-sync-help">
            <legend>{t.entitySyncTitle}</legend>
            <p class="help" id="entity-sync-help">{t.entitySyncHelp}</p>
            <div class="entity-grid">
              {ENTITY_FIELDS.filter(({ key }) => shown.has(key)).map(({ key, label }) => (
                <div class="field" key={key}>
                  <label for={`sync-${key}`}>{label(t)}</label>
                  <select id={`sync-${key}`} value={form[key]} aria-describedby="entity-sync-help"
                    onChange={(e) => set({ [key]: e.currentTarget.value as EntitySync })}>
                    {(["RACKBEAT_TO_TARGET", "OFF"] as EntitySync[]).map((v) => (
                      <option key={v} value={v}>{t.entitySync[v](source, target)}</option>
                    ))}
                  </select>
                </div>
              ))}
            </div>
          </fieldset>
          {shown.has("transferPurchaseOrders") && (
            <CheckSetting id="purchase-orders" label={t.transferPurchaseOrders}
              help={t.transferPurchaseOrdersHelp(source, target)}
              checked={form.transferPurchaseOrders} onChange={(v) => set({ transferPurchaseOrders: v })} />
          )}
        </Section>
      )}

      <div class="notice notice-info" data-testid="not-synced">
        <p><strong>{t.notSyncedTitle}:</strong> {notSynced}</p>
      </div>

      <div class="actions">
        <button type="submit" class="button button-primary" disabled={busy}>{busy ? t.saving : t.save}</button>
        {dirty && !busy && <span class="muted">{t.unsaved}</span>}
        <p ref={confirmation} tabIndex={-1} role="status" class="confirm" data-testid="settings-saved">
          {savedAt && !dirty ? <><span aria-hidden="true">✓ </span>{t.saved(time(savedAt))}</> : ""}
        </p>
      </div>
      {offsetError && <p class="field-error">{t.fixErrors}</p>}
      {error && <ErrorBox error={error} />}
    </form>
  );
}
