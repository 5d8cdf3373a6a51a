// Small shared pieces: status badges, error boxes, page titles.
import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";
import type { ApiError } from "../api/client";
import type { ConnectionStatus, IntegrationStatus, TransferStatus } from "../api/types";
import { useI18n } from "../i18n";

type Tone = "ok" | "bad" | "busy" | "wait" | "neutral";

const TRANSFER_TONE: Record<TransferStatus, Tone> = {
  QUEUED: "wait", RUNNING: "busy", RETRYING: "busy", SUCCEEDED: "ok", FAILED: "bad",
};
const TRANSFER_ICON: Record<TransferStatus, string> = {
  QUEUED: "○", RUNNING: "◔", RETRYING: "↻", SUCCEEDED: "✓", FAILED: "✕",
};

export function Badge({ tone, icon, children }: { tone: Tone; icon?: string; children: ComponentChildren }) {
  return (
    <span class={`badge badge-${tone}`}>
      {icon && <span class="badge-icon" aria-hidden="true">{icon}</span>}
      {children}
    </span>
  );
}

export function TransferStatusBadge({ status }: { status: TransferStatus }) {
  const { t } = useI18n();
  return <Badge tone={TRANSFER_TONE[status]} icon={TRANSFER_ICON[status]}>{t.transferStatus[status]}</Badge>;
}

export function ConnectionStatusBadge({ status, label }: { status: ConnectionStatus; label?: string }) {
  const { t } = useI18n();
  const tone: Tone = status === "OK" ? "ok" : status === "FAILED" ? "bad" : "neutral";
  const icon = status === "OK" ? "✓" : status === "FAILED" ? "✕" : "–";
  return <Badge tone={tone} icon={icon}>{label ? `${label}: ` : ""}{t.connectionStatus[status]}</Badge>;
}

export function IntegrationStatusBadge({ status }: { status: IntegrationStatus }) {
  const { t } = useI18n();
  const tone: Tone = status === "ACTIVE" ? "ok" : status === "PAUSED" ? "neutral" : "wait";
  return <Badge tone={tone}>{t.integrationStatus[status]}</Badge>;
}

export function ErrorBox({ error, onRetry }: { error: ApiError; onRetry?: () => void }) {
  const { t } = useI18n();
  const text = error.code === "NETWORK" ? t.networkError
    : error.code === "SERVER" ? `${t.serverError}: ${error.message}` : error.message;
  return (
    <div class="notice notice-bad" role="alert">
      <p>{text}</p>
      {onRetry && <button type="button" class="button" onClick={onRetry}>{t.retry}</button>}
    </div>
  );
}

export function Loading({ label }: { label?: string }) {
  const { t } = useI18n();
  return <p class="loading" role="status">{label ?? t.loading}</p>;
}

/** The page's <h1>; it takes the focus when the page opens (so screen readers announce the new page). */
export function PageTitle({ children, title }: { children: ComponentChildren; title: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · bokbro`;
  }, [title]);
  useEffect(() => {
    // only when the focus is not already inside the page (e.g. typing in a search box)
    const active = document.activeElement;
    if (!active || active === document.body || !document.getElementById("main")?.contains(active)) {
      ref.current?.focus({ preventScroll: true });
    }
  }, []);
  return <h1 ref={ref} tabIndex={-1}>{children}</h1>;
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function between(start: string | null | undefined, end: string | null | undefined): number | null {
  if (!start || !end) return null;
  return new Date(end).getTime() - new Date(start).getTime();
}
