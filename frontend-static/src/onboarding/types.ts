// Shapes of the onboarding and initial-sync answers (names follow schema.graphql).
import type { IntegrationStatus, System } from "../api/types";

export type PreflightStatus = "OK" | "WARNING" | "FAILED" | "NOT_APPLICABLE";

export interface RackbeatRequirement {
  code: string;
  title: string;
  titleNo: string;
  status: PreflightStatus;
  found: { number: string; name: string }[];
  missing: boolean | null;
  message: string;
  messageNo: string;
}

export interface RackbeatPrerequisites {
  integrationId: string;
  ready: boolean;
  requirements: RackbeatRequirement[];
}

export interface PreflightCheck {
  code: string;
  title: string;
  titleNo: string;
  status: PreflightStatus;
  found: string | null;
  explanation: string;
  explanationNo: string;
  verifiable: boolean;
}

export interface PreflightReport {
  integrationId: string;
  system: System;
  ok: boolean;
  checks: PreflightCheck[];
}

export interface PaymentOptions {
  transferAs?: "INVOICE" | "ORDER";
  sendInvoice?: boolean;
  markAsPaid?: boolean;
}

export interface MappingSuggestion {
  kind: string;
  sourceKey: string;
  sourceName: string;
  targetKey: string | null;
  targetName: string | null;
  options: PaymentOptions | Record<string, unknown>;
  saved: boolean;
}

export interface MappingInput {
  kind: string;
  sourceKey: string;
  targetKey: string;
  options?: PaymentOptions | null;
}

export interface InitialSyncEntityPlan {
  entity: string;
  label: string;
  labelNo: string;
  total: number;
  create: number;
  link: number;
  skip: number;
  sample: unknown;
}

export interface InitialSyncConflict {
  entity: string;
  sourceKey: string;
  code: string;
  message: string;
  action: string;
}

export interface InitialSyncPreview {
  integrationId: string;
  direction: string;
  ready: boolean;
  alreadyStarted: boolean;
  blocking: string[];
  conflictCount: number;
  notSupported: string[];
  entities: InitialSyncEntityPlan[];
  conflicts: InitialSyncConflict[];
}

export type InitialSyncStatus = "RUNNING" | "SUCCEEDED" | "COMPLETED_WITH_FAILURES";

export interface InitialSyncEntityProgress {
  entity: string;
  label: string;
  labelNo: string;
  total: number;
  created: number;
  linked: number;
  skipped: number;
  failed: number;
  done: number;
  percent: number;
  finished: boolean;
}

export interface InitialSyncProgress {
  integrationId: string;
  status: InitialSyncStatus;
  direction: string;
  startedBy: string;
  startedAt: string;
  finishedAt: string | null;
  currentEntity: string | null;
  runs: number;
  error: string | null;
  percent: number;
  entities: InitialSyncEntityProgress[];
}

export interface InitialSyncRecord {
  id: string;
  entity: string;
  sourceKey: string;
  targetKey: string | null;
  status: "PENDING" | "CREATED" | "LINKED" | "SKIPPED" | "FAILED";
  errorCode: string | null;
  errorMessage: string | null;
  notes: string[];
  attempts: number;
}

export interface SentEmail {
  id: string;
  to: string;
  subject: string;
  status: "PENDING" | "SENDING" | "CAPTURED" | "SENT" | "FAILED";
  error: string | null;
  createdAt: string;
  sentAt: string | null;
  purpose: string;
}

export interface OnboardingFinished {
  integrationId: string;
  status: IntegrationStatus;
  alreadyFinished: boolean;
  settingsLinkExpiresAt: string | null;
  email: SentEmail | null;
}
