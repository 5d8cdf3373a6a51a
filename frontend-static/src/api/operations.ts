// Every GraphQL document the app sends. Validated against ../schema.graphql before each build.
import { gql } from "./gql";
import type {
  Connection, Integration, IntegrationSummary, PageInfo, Reconciliation, Settings, SettingsInput, TransferDetail,
  TransferHourBucket, TransferKind, TransferMode, TransferRow, TransferStatus,
} from "./types";

export const TRANSFER_ROW = gql`
  fragment TransferRow on Transfer {
    id integrationId kind sourceSystem targetSystem sourceRef targetRef mode status trigger attempts
    error { code message explanation explanationNo }
    nextAttemptAt createdAt updatedAt startedAt finishedAt
  }
`;

export const SETTINGS_FIELDS = gql`
  fragment SettingsFields on Settings {
    integrationId invoiceTransferMode sendInvoiceToCustomer syncCustomers syncSuppliers syncProducts syncBoms
    eaccountingInvoiceStatus startOrderFlowFrom useExactQuantity transferPurchaseOrders
    customerNumberOffset customerMatch updateExistingCustomers invoiceNumberSource notesNotSynced updatedAt
  }
`;

export const CONNECTION_FIELDS = gql`
  fragment ConnectionFields on Connection {
    id system status lastTestedAt webhooksRegistered checks { name ok message }
  }
`;

export const SIGN_IN_CHECK = gql<{ integrations: { id: string }[] }>`
  query SignInCheck { integrations { id } }
`;

export const INTEGRATIONS = gql<{ integrations: IntegrationSummary[] }>`
  query Integrations {
    integrations {
      id companyName contactPerson email source target status createdAt
      connections { id system status }
      lastTransferAt lastTransferStatus lastTransferId failedLast24h
    }
  }
`;

export const INTEGRATION = gql<{ integration: Integration | null }, { id: string }>`
  query Integration($id: ID!) {
    integration(id: $id) {
      id companyName contactPerson email source target status createdAt webhookUrl
      connections { ...ConnectionFields }
      settings { ...SettingsFields }
    }
  }
  ${CONNECTION_FIELDS}
  ${SETTINGS_FIELDS}
`;

export const TEST_CONNECTION = gql<{ testConnection: Connection }, { id: string }>`
  mutation TestConnection($id: ID!) { testConnection(id: $id) { ...ConnectionFields } }
  ${CONNECTION_FIELDS}
`;

export const UPDATE_SETTINGS = gql<{ updateSettings: Settings }, { integrationId: string; input: SettingsInput }>`
  mutation UpdateSettings($integrationId: ID!, $input: SettingsInput!) {
    updateSettings(integrationId: $integrationId, input: $input) { ...SettingsFields }
  }
  ${SETTINGS_FIELDS}
`;

export interface TransfersVariables {
  integrationId: string | null;
  status: TransferStatus[] | null;
  kind: TransferKind[] | null;
  search: string | null;
  first: number;
  after: string | null;
}

export const TRANSFERS = gql<{ transfers: { edges: { node: TransferRow }[]; pageInfo: PageInfo } }, TransfersVariables>`
  query Transfers($integrationId: ID, $status: [TransferStatus!], $kind: [TransferKind!], $search: String,
                  $first: Int!, $after: String) {
    transfers(integrationId: $integrationId, status: $status, kind: $kind, search: $search, first: $first,
              after: $after) {
      edges { node { ...TransferRow } }
      pageInfo { hasNextPage endCursor }
    }
  }
  ${TRANSFER_ROW}
`;

export const TRANSFER_UPDATED = gql<{ transferUpdated: TransferRow }, { integrationId: string | null }>`
  subscription TransferUpdated($integrationId: ID) {
    transferUpdated(integrationId: $integrationId) { ...TransferRow }
  }
  ${TRANSFER_ROW}
`;

export const TRANSFER = gql<{
  transfer: TransferDetail | null;
}, { id: string }>`
  query Transfer($id: ID!) {
    transfer(id: $id) {
      ...TransferRow
      attemptLog { number status worker errorCode errorMessage startedAt finishedAt exchanges }
    }
  }
  ${TRANSFER_ROW}
`;

export const TRANSFER_CONTEXT = gql<{
  integration: Pick<Integration, "id" | "companyName"> & { settings: Settings | null } | null;
}, { id: string }>`
  query TransferContext($id: ID!) {
    integration(id: $id) { id companyName settings { ...SettingsFields } }
  }
  ${SETTINGS_FIELDS}
`;

export const RESEND_TRANSFER = gql<{ resendTransfer: TransferRow }, {
  id: string; mode: TransferMode | null; sendEmail: boolean | null;
}>`
  mutation ResendTransfer($id: ID!, $mode: TransferMode, $sendEmail: Boolean) {
    resendTransfer(id: $id, mode: $mode, sendEmail: $sendEmail) { ...TransferRow }
  }
  ${TRANSFER_ROW}
`;

export const RESEND_FAILED = gql<{ resendTransfers: { id: string }[] }, {
  filter: { integrationId: string | null; status: TransferStatus[]; kind: TransferKind[] | null; search: string | null };
}>`
  mutation ResendFailed($filter: TransferFilter!) { resendTransfers(filter: $filter) { id } }
`;

export const TRANSFER_STATS = gql<{ transferStats: TransferHourBucket[] }, { integrationId: string; days: number }>`
  query TransferStats($integrationId: ID!, $days: Int!) {
    transferStats(integrationId: $integrationId, days: $days) { hour succeeded failed }
  }
`;

export const RECONCILE = gql<{ reconcile: Reconciliation }, {
  integrationId: string; dateFrom: string; dateTo: string; transferMissing: boolean;
}>`
  mutation Reconcile($integrationId: ID!, $dateFrom: Date!, $dateTo: Date!, $transferMissing: Boolean!) {
    reconcile(integrationId: $integrationId, dateFrom: $dateFrom, dateTo: $dateTo, transferMissing: $transferMissing) {
      integrationId dateFrom dateTo mode ok missing different extra transferred
      lines { sourceRef status sourceAmount targetRef targetKind targetAmount transferId transferStatus }
    }
  }
`;
