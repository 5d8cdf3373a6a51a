import { useEffect, useRef, useState } from "preact/hooks";
import { UPDATE_SETTINGS } from "../api/operations";
import type { EntitySync, Integration, Settings, SettingsInput, TransferMode } from "../api/types";
import { SYSTEM_NAMES, useI18n, type Dict } from "../i18n";
import { useMutation } from "../session";
import { ErrorBox } from "../ui/components";

const ENTITY_FIELDS: { key: "syncCustomers" | "syncSuppliers" | "syncProducts" | "syncBoms"; label: (t: Dict) => string }[] = [
  { key: "syncCustomers", label: (t) => t.syncCustomers },
  { key: "syncSuppliers", label: (t) => t.syncSuppliers },
  { key: "syncProducts", label: (t) => t.syncProducts },
  { key: "syncBoms", label: (t) => t.syncBoms },
];

function formOf(s: Settings): Required<SettingsInput> {
  return {
    invoiceTransferMode: s.invoiceTransferMode, sendInvoiceToCustomer: s.sendInvoiceToCustomer,
    syncCustomers: s.syncCustomers, syncSuppliers: s.syncSuppliers, syncProducts: s.syncProducts, syncBoms: s.syncBoms,
  };
}

export function SettingsTab({ integration, onSaved }: { integration: Integration; onSaved: (s: Settings) => void }) {
  const { t, time } = useI18n();
  const settings = integration.settings;
  const [form, setForm] = useState(() => (settings ? formOf(settings) : null));
  const [savedAt, setSavedAt] = useState<Date | null>(null);
  const { run, busy, error } = useMutation(UPDATE_SETTINGS);
  const confirmation = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    if (savedAt) confirmation.current?.focus();
  }, [savedAt]);

  if (!settings || !form) return <p class="empty">{t.noSettings}</p>;
  const source = SYSTEM_NAMES[integration.source];
  const target = SYSTEM_NAMES[integration.target];
  const dirty = JSON.stringify(form) !== JSON.stringify(formOf(settings));
  const set = (patch: SettingsInput) => {
    setForm({ ...form, ...patch });
    setSavedAt(null);
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    const result = await run({ integrationId: integration.id, input: form });
    if (result) {
      onSaved(result.updateSettings);
      setForm(formOf(result.updateSettings));
      setSavedAt(new Date());
    }
  };

  return (
    <form class="settings card" onSubmit={submit} aria-labelledby="settings-heading">
      <h2 id="settings-heading">{t.settingsTitle}</h2>

      <fieldset>
        <legend>{t.invoiceTransferMode}</legend>
        {(["INVOICE", "ORDER"] as TransferMode[]).map((mode) => (
          <div class="choice" key={mode}>
            <input type="radio" id={`mode-${mode}`} name="invoiceTransferMode" value={mode}
              checked={form.invoiceTransferMode === mode} aria-describedby={`mode-${mode}-help`}
              onChange={() => set({ invoiceTransferMode: mode })} />
            <label for={`mode-${mode}`}>{t.transferMode[mode]}</label>
            <p class="help" id={`mode-${mode}-help`}>{mode === "INVOICE" ? t.modeInvoiceHelp : t.modeOrderHelp}</p>
          </div>
        ))}
      </fieldset>

      <div class="choice choice-check">
        <input type="checkbox" id="send-invoice" checked={form.sendInvoiceToCustomer} aria-describedby="send-invoice-help"
          onChange={(e) => set({ sendInvoiceToCustomer: e.currentTarget.checked })} />
        <label for="send-invoice">{t.sendInvoiceToCustomer}</label>
        <p class="help" id="send-invoice-help">{t.sendInvoiceHelp}</p>
      </div>

      <fieldset>
        <legend>{t.entitySyncTitle}</legend>
        <p class="help">{t.entitySyncHelp}</p>
        <div class="entity-grid">
          {ENTITY_FIELDS.map(({ key, label }) => (
            <div class="field" key={key}>
              <label for={`sync-${key}`}>{label(t)}</label>
              <select id={`sync-${key}`} value={form[key]}
                onChange={(e) => set({ [key]: e.currentTarget.value as EntitySync })}>
                {(["SOURCE_TO_TARGET", "OFF"] as EntitySync[]).map((v) => (
                  <option key={v} value={v}>{t.entitySync[v](source, target)}</option>
                ))}
              </select>
            </div>
          ))}
        </div>
      </fieldset>

      <p class="notice notice-info">{t.notSynced}</p>

      <div class="actions">
        <button type="submit" class="button button-primary" disabled={busy}>{busy ? t.saving : t.save}</button>
        {dirty && !busy && <span class="muted">{t.unsaved}</span>}
        <p ref={confirmation} tabIndex={-1} role="status" class="confirm" data-testid="settings-saved">
          {savedAt && !dirty ? <><span aria-hidden="true">✓ </span>{t.saved(time(savedAt))}</> : ""}
        </p>
      </div>
      {error && <ErrorBox error={error} />}
    </form>
  );
}
