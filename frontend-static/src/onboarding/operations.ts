// The onboarding wizard's and the settings link's GraphQL documents (validated against ../schema.graphql with
// every other gql template in src/).
import { gql } from "../api/gql";
import { CONNECTION_FIELDS, SETTINGS_FIELDS } from "../api/operations";
import type { Connection, Integration, MappingChoice, Settings, System } from "../api/types";
import type {
  InitialSyncPreview, InitialSyncProgress, InitialSyncRecord, MappingInput, MappingSuggestion, OnboardingFinished,
  PreflightReport, RackbeatPrerequisites, SentEmail,
} from "./types";

export const ONBOARDING_STATE = gql<{
  integration: Integration | null;
  mappings: { kind: string; sourceKey: string; targetKey: string }[];
  initialSync: Pick<InitialSyncProgress, "status" | "percent"> | null;
}, { id: string }>`
  query OnboardingState($id: ID!) {
    integration(id: $id) {
      id companyName contactPerson email source target status createdAt webhookUrl
      connections { ...ConnectionFields }
      settings { ...SettingsFields }
    }
    mappings(integrationId: $id) { kind sourceKey targetKey }
    initialSync(integrationId: $id) { status percent }
  }
  ${CONNECTION_FIELDS}
  ${SETTINGS_FIELDS}
`;

export const START_ONBOARDING = gql<{ startOnboarding: { id: string } }, {
  input: { companyName: string; contactPerson: string; email: string; source: System; target: System };
}>`
  mutation OnboardingStart($input: StartOnboardingInput!) { startOnboarding(input: $input) { id } }
`;

export const SAVE_CONNECTION = gql<{ saveConnection: Connection }, {
  input: { integrationId: string; system: System; credentials: Record<string, string> };
}>`
  mutation OnboardingSaveConnection($input: ConnectionInput!) { saveConnection(input: $input) { ...ConnectionFields } }
  ${CONNECTION_FIELDS}
`;

export const TEST_CONNECTION_ONBOARDING = gql<{ testConnection: Connection }, { id: string }>`
  mutation OnboardingTestConnection($id: ID!) { testConnection(id: $id) { ...ConnectionFields } }
  ${CONNECTION_FIELDS}
`;

export const AUTHORIZE_EACCOUNTING = gql<{ authorizeEAccounting: string }, { connectionId: string }>`
  mutation OnboardingAuthorizeEAccounting($connectionId: ID!) { authorizeEAccounting(connectionId: $connectionId) }
`;

export const RACKBEAT_PREREQUISITES = gql<{ rackbeatPrerequisites: RackbeatPrerequisites }, { id: string }>`
  query OnboardingRackbeatPrerequisites($id: ID!) {
    rackbeatPrerequisites(integrationId: $id) {
      integrationId ready
      requirements { code title titleNo status found { number name } missing message messageNo }
    }
  }
`;

export const PREFLIGHT_CHECKS = gql<{ preflightChecks: PreflightReport }, { id: string }>`
  query OnboardingPreflight($id: ID!) {
    preflightChecks(integrationId: $id) {
      integrationId system ok
      checks { code title titleNo status found explanation explanationNo verifiable }
    }
  }
`;

/** Each mapping with its saved target, or the suggested one (groups, payment terms, payment methods). */
export const MAPPING_SUGGESTIONS = gql<{ suggestMappings: MappingSuggestion[] }, { id: string }>`
  query OnboardingMappings($id: ID!) {
    suggestMappings(integrationId: $id) { kind sourceKey sourceName targetKey targetName options saved }
  }
`;

/** Every value each Rackbeat mapping may point at: all groups of each kind and every payment term. */
export const RACKBEAT_MAPPING_CHOICES = gql<{
  customerGroups: MappingChoice[];
  supplierGroups: MappingChoice[];
  productGroups: MappingChoice[];
  serviceGroups: MappingChoice[];
  paymentTerms: MappingChoice[];
}, { id: string }>`
  query OnboardingRackbeatMappingChoices($id: ID!) {
    customerGroups: mappingChoices(integrationId: $id, kind: "customer_group") { key name detail }
    supplierGroups: mappingChoices(integrationId: $id, kind: "supplier_group") { key name detail }
    productGroups: mappingChoices(integrationId: $id, kind: "product_group") { key name detail }
    serviceGroups: mappingChoices(integrationId: $id, kind: "service_group") { key name detail }
    paymentTerms: mappingChoices(integrationId: $id, kind: "payment_term") { key name detail }
  }
`;

/** Every Tripletex payment type a webshop payment method may be mapped to. */
export const PAYMENT_TYPE_CHOICES = gql<{ mappingChoices: MappingChoice[] }, { id: string }>`
  query OnboardingPaymentTypeChoices($id: ID!) {
    mappingChoices(integrationId: $id, kind: "payment_method") { key name detail }
  }
`;

export const SET_MAPPINGS = gql<{ setMappings: { id: string; kind: string; sourceKey: string; targetKey: string }[] }, {
  id: string; input: MappingInput[];
}>`
  mutation OnboardingSetMappings($id: ID!, $input: [MappingInput!]!) {
    setMappings(integrationId: $id, input: $input) { id kind sourceKey targetKey }
  }
`;

export const PREVIEW_INITIAL_SYNC = gql<{ previewInitialSync: InitialSyncPreview }, { id: string; entities: string[] | null }>`
  query OnboardingPreviewInitialSync($id: ID!, $entities: [String!]) {
    previewInitialSync(integrationId: $id, entities: $entities) {
      integrationId direction ready alreadyStarted blocking conflictCount notSupported
      entities { entity label labelNo total create link skip sample }
      conflicts { entity sourceKey code message action }
    }
  }
`;

export const INITIAL_SYNC_PROGRESS_FIELDS = gql`
  fragment InitialSyncProgressFields on InitialSyncProgress {
    integrationId status direction startedBy startedAt finishedAt currentEntity runs error percent
    entities { entity label labelNo total created linked skipped failed done percent finished }
  }
`;

export const INITIAL_SYNC = gql<{ initialSync: InitialSyncProgress | null }, { id: string }>`
  query OnboardingInitialSync($id: ID!) { initialSync(integrationId: $id) { ...InitialSyncProgressFields } }
  ${INITIAL_SYNC_PROGRESS_FIELDS}
`;

export const START_INITIAL_SYNC = gql<{ startInitialSync: InitialSyncProgress }, { id: string; entities: string[] | null }>`
  mutation OnboardingStartInitialSync($id: ID!, $entities: [String!]) {
    startInitialSync(integrationId: $id, entities: $entities) { ...InitialSyncProgressFields }
  }
  ${INITIAL_SYNC_PROGRESS_FIELDS}
`;

export const INITIAL_SYNC_UPDATES = gql<{ initialSyncProgress: InitialSyncProgress }, { id: string }>`
  subscription OnboardingInitialSyncProgress($id: ID!) {
    initialSyncProgress(integrationId: $id) { ...InitialSyncProgressFields }
  }
  ${INITIAL_SYNC_PROGRESS_FIELDS}
`;

export const INITIAL_SYNC_FAILURES = gql<{ initialSyncRecords: InitialSyncRecord[] }, { id: string }>`
  query OnboardingInitialSyncFailures($id: ID!) {
    initialSyncRecords(integrationId: $id, status: [FAILED], first: 200) {
      id entity sourceKey targetKey status errorCode errorMessage notes attempts
    }
  }
`;

export const RETRY_INITIAL_SYNC = gql<{ retryInitialSyncFailures: InitialSyncProgress }, { id: string }>`
  mutation OnboardingRetryInitialSync($id: ID!) {
    retryInitialSyncFailures(integrationId: $id) { ...InitialSyncProgressFields }
  }
  ${INITIAL_SYNC_PROGRESS_FIELDS}
`;

export const SENT_EMAILS = gql<{ sentEmails: SentEmail[] }, { id: string }>`
  query OnboardingSentEmails($id: ID!) { sentEmails(integrationId: $id, first: 5) { id to subject status error createdAt sentAt purpose } }
`;

export const FINISH_ONBOARDING = gql<{ finishOnboarding: OnboardingFinished }, { id: string }>`
  mutation OnboardingFinish($id: ID!) {
    finishOnboarding(integrationId: $id) {
      integrationId status alreadyFinished settingsLinkExpiresAt
      email { id to subject status error createdAt sentAt purpose }
    }
  }
`;

export interface SettingsLinkData {
  integrations: (Pick<Integration, "id" | "companyName" | "contactPerson" | "email" | "source" | "target" | "status"
    | "createdAt" | "webhookUrl"> & { settings: Settings | null })[];
}

export const SETTINGS_LINK_INTEGRATION = gql<SettingsLinkData>`
  query SettingsLinkIntegration {
    integrations {
      id companyName contactPerson email source target status createdAt webhookUrl
      settings { ...SettingsFields }
    }
  }
  ${SETTINGS_FIELDS}
`;
