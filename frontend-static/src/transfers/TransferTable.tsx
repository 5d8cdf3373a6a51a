// The transfer log's table. Only the rows in view (plus a few) are in the DOM, so 10,000 loaded rows scroll as
// smoothly as 10: every row has the same height and is placed with a transform inside a body as tall as all
// rows together. It is an ARIA table (role=table/row/cell) built of CSS-grid rows rather than a <table>: table
// layout is recomputed for the whole table whenever rows come and go, a grid row is laid out on its own.
// The columns have fixed widths, so nothing jumps while scrolling.
//
// Keyboard: one row button is in the tab order (roving tabindex); arrows, Page Up/Down, Home and End move
// between rows, Enter opens one.
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import type { TransferRow } from "../api/types";
import { SYSTEM_NAMES, useI18n } from "../i18n";
import { TransferStatusBadge } from "../ui/components";

export const ROW_HEIGHT = 40;
const OVERSCAN = 10;

interface Props {
  rows: TransferRow[];
  selectedId: string | null;
  fresh: ReadonlySet<string>;
  onOpen: (row: TransferRow) => void;
  /** integration id -> company name; set on the log of every integration. */
  integrationNames: Map<string, string> | null;
  labelledBy: string;
}

export function TransferTable({ rows, selectedId, fresh, onOpen, integrationNames, labelledBy }: Props) {
  const { t, dateTime } = useI18n();
  const scroller = useRef<HTMLDivElement>(null);
  const headRef = useRef<HTMLDivElement>(null);
  const [view, setView] = useState({ top: 0, height: 600 });
  const [focusIndex, setFocusIndex] = useState(0);
  /** The row to focus once it is rendered (set by keyboard moves). */
  const focusPending = useRef<number | null>(null);
  const frame = useRef(0);

  useLayoutEffect(() => {
    const el = scroller.current!;
    const measure = () => setView({ top: el.scrollTop, height: el.clientHeight });
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => {
      observer.disconnect();
      cancelAnimationFrame(frame.current);
    };
  }, []);

  const onScroll = () => {
    if (frame.current) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      const el = scroller.current;
      if (el) setView({ top: el.scrollTop, height: el.clientHeight });
    });
  };

  const headHeight = headRef.current?.offsetHeight ?? ROW_HEIGHT;
  const first = Math.max(0, Math.floor((view.top - headHeight) / ROW_HEIGHT));
  const start = Math.max(0, first - OVERSCAN);
  const end = Math.min(rows.length, Math.ceil((view.top + view.height) / ROW_HEIGHT) + OVERSCAN);
  const visible = rows.slice(start, end);
  // the row in the tab order: the focused one while it is rendered, else the first one in view
  const tabStop = focusIndex >= start && focusIndex < end ? focusIndex : Math.min(first, Math.max(rows.length - 1, 0));

  const selectedIndex = useMemo(() => (selectedId ? rows.findIndex((r) => r.id === selectedId) : -1), [rows, selectedId]);
  useEffect(() => {
    if (selectedIndex >= 0) setFocusIndex(selectedIndex);
  }, [selectedIndex]);

  useEffect(() => {
    const index = focusPending.current;
    if (index === null) return;
    const button = scroller.current?.querySelector<HTMLButtonElement>(`[data-index="${index}"] button`);
    if (button) {
      focusPending.current = null;
      button.focus({ preventScroll: true });
    }
  });

  const moveTo = (index: number) => {
    const el = scroller.current;
    if (!el || rows.length === 0) return;
    const i = Math.max(0, Math.min(rows.length - 1, index));
    const rowTop = i * ROW_HEIGHT;
    const body = el.clientHeight - headHeight;
    if (rowTop < el.scrollTop) el.scrollTop = rowTop;
    else if (rowTop + ROW_HEIGHT > el.scrollTop + body) el.scrollTop = rowTop + ROW_HEIGHT - body;
    setView({ top: el.scrollTop, height: el.clientHeight });
    focusPending.current = i;
    setFocusIndex(i);
  };

  const onKeyDown = (e: KeyboardEvent) => {
    const rowEl = (e.target as HTMLElement).closest<HTMLElement>("[data-index]");
    if (!rowEl) return;
    const i = Number(rowEl.dataset.index);
    const page = Math.max(1, Math.floor((view.height - headHeight) / ROW_HEIGHT) - 1);
    const target = { ArrowDown: i + 1, ArrowUp: i - 1, PageDown: i + page, PageUp: i - page, Home: 0,
      End: rows.length - 1 }[e.key];
    if (target === undefined) return;
    e.preventDefault();
    moveTo(target);
  };

  /** Scroll a row into view (used when a transfer is opened from a link). */
  useEffect(() => {
    if (selectedIndex < 0) return;
    const el = scroller.current;
    if (!el) return;
    const rowTop = selectedIndex * ROW_HEIGHT;
    if (rowTop < el.scrollTop || rowTop > el.scrollTop + el.clientHeight - headHeight - ROW_HEIGHT) {
      el.scrollTop = Math.max(0, rowTop - (el.clientHeight - headHeight) / 2);
    }
  }, [selectedId]);

  const showIntegration = integrationNames !== null;
  const columns = COLUMNS.filter((c) => showIntegration || c.id !== "integration");
  const template = columns.map((c) => (c.id === "updated" ? `minmax(${c.rem}rem, 1fr)` : `${c.rem}rem`)).join(" ");
  const minWidth = `${columns.reduce((sum, c) => sum + c.rem, 0)}rem`;
  const headers: Record<ColumnId, string> = {
    status: t.colTransferStatus, kind: t.colKind, ref: t.colSourceRef, integration: t.colIntegration,
    target: t.colTargetRef, mode: t.colMode, attempts: t.colAttempts, trigger: t.colTrigger, updated: t.colUpdated,
  };
  return (
    <div class="table-scroll" ref={scroller} onScroll={onScroll} data-testid="transfer-scroller">
      <div role="table" class="vtable" aria-labelledby={labelledBy} aria-rowcount={rows.length + 1}
        aria-describedby="log-table-help" style={{ "--cols": template, minWidth }}>
        <div role="rowgroup" class="vhead" ref={headRef}>
          <div role="row" class="vrow" aria-rowindex={1}>
            {columns.map((c) => (
              <div role="columnheader" key={c.id} class={c.id === "attempts" ? "num" : undefined}>{headers[c.id]}</div>
            ))}
          </div>
        </div>
        <div role="rowgroup" class="vbody" style={{ height: `${rows.length * ROW_HEIGHT}px` }} onKeyDown={onKeyDown}>
          {visible.map((row, k) => {
            const i = start + k;
            const selected = row.id === selectedId;
            const kind = t.transferKind[row.kind];
            return (
              <div role="row" key={row.id} data-index={i} data-transfer-id={row.id} data-status={row.status}
                aria-rowindex={i + 2} aria-current={selected ? "true" : undefined}
                class={`vrow ${selected ? "selected" : ""} ${fresh.has(row.id) ? "fresh" : ""}`}
                style={{ transform: `translateY(${i * ROW_HEIGHT}px)` }}
                onClick={() => {
                  setFocusIndex(i);
                  onOpen(row);
                }}>
                <div role="cell"><TransferStatusBadge status={row.status} /></div>
                <div role="cell">{kind}</div>
                <div role="cell">
                  <button type="button" class="row-button" tabIndex={i === tabStop ? 0 : -1}
                    aria-label={t.openTransfer(kind.toLocaleLowerCase(), row.sourceRef)}
                    onFocus={() => setFocusIndex(i)}>{row.sourceRef}</button>
                </div>
                {showIntegration && <div role="cell">{integrationNames.get(row.integrationId) ?? row.integrationId}</div>}
                <div role="cell">{row.targetRef ?? "—"}</div>
                <div role="cell">{row.mode ? t.transferMode[row.mode] : "—"}</div>
                <div role="cell" class="num">{row.attempts}</div>
                <div role="cell">{t.triggers[row.trigger] ?? row.trigger}</div>
                <div role="cell" title={`${SYSTEM_NAMES[row.sourceSystem]} → ${SYSTEM_NAMES[row.targetSystem]}`}>
                  {dateTime(row.updatedAt)}
                </div>
              </div>
            );
          })}
        </div>
      </div>
      <p id="log-table-help" class="visually-hidden">{t.tableHelp}</p>
    </div>
  );
}

type ColumnId = "status" | "kind" | "ref" | "integration" | "target" | "mode" | "attempts" | "trigger" | "updated";

/** Column widths in rem: fixed, so that rows entering and leaving the view never change the layout. */
const COLUMNS: { id: ColumnId; rem: number }[] = [
  { id: "status", rem: 9.5 }, { id: "kind", rem: 8 }, { id: "ref", rem: 9 }, { id: "integration", rem: 12 },
  { id: "target", rem: 8 }, { id: "mode", rem: 11.5 }, { id: "attempts", rem: 6.5 }, { id: "trigger", rem: 8 },
  { id: "updated", rem: 11 },
];
