// The shapes the app's operations ask for (see operations.ts); names follow schema.graphql.

export type System = "RACKBEAT" | "MYSTORE" | "TRIPLETEX" | "EACCOUNTING";
export type IntegrationStatus = "ONBOARDING" | "ACTIVE" | "PAUSED";
export type ConnectionStatus = "UNTESTED" | "OK" | "FAILED";
export type TransferStatus = "QUEUED" | "RUNNING" | "RETRYING" | "SUCCEEDED" | "FAILED";
export type TransferKind = "INVOICE" | "ORDER" | "CUSTOMER" | "SUPPLIER" | "PRODUCT" | "BOM" | "PURCHASE_ORDER";
export type TransferMode = "INVOICE" | "ORDER";
export type EntitySync = "RACKBEAT_TO_TARGET" | "OFF";
export type EAccountingInvoiceStatus = "DRAFT" | "INVOICED" | "INVOICED_AND_EMAIL";
export type OrderFlowStart = "RACKBEAT" | "DONT_TRANSFER";
export type CustomerMatch = "CUSTOMER_NUMBER" | "ORGANIZATION_NUMBER";
export type InvoiceNumberSource = "TARGET" | "SOURCE";

export const TRANSFER_STATUSES: TransferStatus[] = ["QUEUED", "RUNNING", "RETRYING", "SUCCEEDED", "FAILED"];
export const TRANSFER_KINDS: TransferKind[] = ["INVOICE", "ORDER", "CUSTOMER", "SUPPLIER", "PRODUCT", "BOM",
  "PURCHASE_ORDER"];

export interface ConnectionCheck {
  name: string;
  ok: boolean;
  message: string;
}

export interface Connection {
  id: string;
  system: System;
  status: ConnectionStatus;
  lastTestedAt: string | null;
  webhooksRegistered: boolean;
  checks: ConnectionCheck[];
}

export interface Settings {
  integrationId: string;
  invoiceTransferMode: TransferMode;
  sendInvoiceToCustomer: boolean;
  syncCustomers: EntitySync;
  syncSuppliers: EntitySync;
  syncProducts: EntitySync;
  syncBoms: EntitySync;
  eaccountingInvoiceStatus: EAccountingInvoiceStatus;
  startOrderFlowFrom: OrderFlowStart;
  useExactQuantity: boolean;
  transferPurchaseOrders: boolean;
  customerNumberOffset: number;
  customerMatch: CustomerMatch;
  updateExistingCustomers: boolean;
  invoiceNumberSource: InvoiceNumberSource;
  /** What is never synchronised, in the API's words (English). */
  notesNotSynced: string;
  updatedAt: string;
}

export type SettingsInput = Partial<Omit<Settings, "integrationId" | "updatedAt" | "notesNotSynced">>;

/** A value a mapping may point at (mappingChoices): a Rackbeat group or payment term, a Tripletex payment type. */
export interface MappingChoice {
  key: string;
  name: string;
  detail: string | null;
}

export interface IntegrationSummary {
  id: string;
  companyName: string;
  contactPerson: string;
  email: string;
  source: System;
  target: System;
  status: IntegrationStatus;
  createdAt: string;
  connections: Pick<Connection, "id" | "system" | "status">[];
  /** The most recently changed transfer (null: none yet) and the transfer runs that failed in the last 24 h. */
  lastTransferAt: string | null;
  lastTransferStatus: TransferStatus | null;
  lastTransferId: string | null;
  failedLast24h: number;
}

export interface Integration extends Omit<IntegrationSummary,
  "connections" | "lastTransferAt" | "lastTransferStatus" | "lastTransferId" | "failedLast24h"> {
  webhookUrl: string;
  connections: Connection[];
  settings: Settings | null;
}

export interface TransferError {
  code: string;
  message: string;
  explanation: string | null;
  explanationNo: string | null;
}

export interface TransferRow {
  id: string;
  integrationId: string;
  kind: TransferKind;
  sourceSystem: System;
  targetSystem: System;
  sourceRef: string;
  targetRef: string | null;
  mode: TransferMode | null;
  status: TransferStatus;
  trigger: string;
  attempts: number;
  error: TransferError | null;
  nextAttemptAt: string | null;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** One HTTP exchange as the transfer log keeps it (secrets redacted by the server). */
export interface Exchange {
  system?: string;
  method?: string;
  url?: string;
  status?: number | null;
  durationMs?: number | null;
  error?: string | null;
  requestBody?: unknown;
  responseBody?: unknown;
}

export interface TransferAttempt {
  number: number;
  status: TransferStatus;
  worker: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  startedAt: string;
  finishedAt: string | null;
  exchanges: Exchange[] | unknown;
}

export interface TransferDetail extends TransferRow {
  attemptLog: TransferAttempt[];
}

export interface PageInfo {
  hasNextPage: boolean;
  endCursor: string | null;
}

export interface TransferFilters {
  status: TransferStatus[];
  kind: TransferKind[];
  search: string;
}

/** Transfer runs that ended in one hour (UTC): see transferStats in schema.graphql. */
export interface TransferHourBucket {
  hour: string;
  succeeded: number;
  failed: number;
}

export type ReconciliationStatus = "OK" | "MISSING" | "DIFFERENT" | "EXTRA";

export interface ReconciliationLine {
  sourceRef: string;
  status: ReconciliationStatus;
  sourceAmount: number | null;
  targetRef: string | null;
  targetKind: "INVOICE" | "ORDER" | "DRAFT" | null;
  targetAmount: number | null;
  transferId: string | null;
  transferStatus: TransferStatus | null;
}

export interface Reconciliation {
  integrationId: string;
  dateFrom: string;
  dateTo: string;
  mode: TransferMode;
  ok: number;
  missing: number;
  different: number;
  extra: number;
  transferred: string[];
  lines: ReconciliationLine[];
}
