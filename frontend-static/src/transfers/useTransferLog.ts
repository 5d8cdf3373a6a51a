// The transfer log's data: keyset pages from `transfers`, kept current by the `transferUpdated` subscription.
//
// Live events are batched per animation frame and merged: a transfer already loaded is updated in place (it
// stays even if its new status no longer matches the status filter, so a resent row does not vanish under the
// user's eyes); a transfer not loaded yet is inserted at its place in the newest-first order when it matches
// the filters and is newer than the oldest row loaded (older ones arrive with "load more").
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { ApiError, onConnected, request, subscribe } from "../api/client";
import { TRANSFERS, TRANSFER_UPDATED } from "../api/operations";
import type { TransferFilters, TransferRow } from "../api/types";
import { useSession } from "../session";

export const FIRST_PAGE = 100;
export const MORE_PAGE = 500; // the API's maximum

export interface LogState {
  rows: TransferRow[];
  hasNext: boolean;
  endCursor: string | null;
  loading: boolean;
  loadingMore: boolean;
  error: ApiError | null;
  /** Ids changed by the last live update, for a brief highlight. */
  fresh: ReadonlySet<string>;
}

const EMPTY: LogState = {
  rows: [], hasNext: false, endCursor: null, loading: true, loadingMore: false, error: null, fresh: new Set(),
};

export function matchesFilters(row: TransferRow, f: TransferFilters): boolean {
  if (f.status.length && !f.status.includes(row.status)) return false;
  if (f.kind.length && !f.kind.includes(row.kind)) return false;
  const q = f.search.trim().toLocaleLowerCase();
  return !q || row.sourceRef.toLocaleLowerCase().includes(q);
}

/** Newest first, as the API orders: by createdAt, then id, both descending. */
function newerFirst(a: TransferRow, b: TransferRow): number {
  if (a.createdAt !== b.createdAt) return a.createdAt > b.createdAt ? -1 : 1;
  return a.id === b.id ? 0 : a.id > b.id ? -1 : 1;
}

export function mergeRows(state: LogState, updates: TransferRow[], filters: TransferFilters): LogState {
  if (!updates.length) return state;
  const index = new Map<string, number>();
  state.rows.forEach((r, i) => index.set(r.id, i));
  let rows = state.rows;
  let copied = false;
  const inserts: TransferRow[] = [];
  const fresh = new Set<string>();
  const oldest = state.rows[state.rows.length - 1];
  for (const u of updates) {
    const i = index.get(u.id);
    if (i !== undefined) {
      // an answer older than what is shown (e.g. a mutation's reply overtaken by a live event) is dropped
      if (Date.parse(u.updatedAt) < Date.parse(rows[i]!.updatedAt)) continue;
      if (!copied) {
        rows = rows.slice();
        copied = true;
      }
      rows[i] = u;
      fresh.add(u.id);
    } else if (matchesFilters(u, filters) && !(state.hasNext && oldest && newerFirst(u, oldest) > 0)) {
      inserts.push(u);
      fresh.add(u.id);
    }
  }
  if (inserts.length) {
    rows = copied ? rows : rows.slice();
    for (const u of inserts.sort(newerFirst)) {
      let lo = 0;
      let hi = rows.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (newerFirst(rows[mid]!, u) < 0) lo = mid + 1;
        else hi = mid;
      }
      rows.splice(lo, 0, u);
    }
  }
  return { ...state, rows, fresh };
}

export function useTransferLog(integrationId: string | null, filters: TransferFilters) {
  const { token } = useSession();
  const [state, setState] = useState<LogState>(EMPTY);
  const filtersRef = useRef(filters);
  filtersRef.current = filters;
  const loadingRef = useRef(true);
  loadingRef.current = state.loading;
  const generation = useRef(0);
  const key = JSON.stringify([integrationId, filters.status, filters.kind, filters.search.trim()]);
  const [nonce, setNonce] = useState(0);

  const fetchPage = useCallback((after: string | null, first: number) => {
    const f = filtersRef.current;
    return request(TRANSFERS, {
      integrationId, status: f.status.length ? f.status : null, kind: f.kind.length ? f.kind : null,
      search: f.search.trim() || null, first, after,
    }, { token }).then((d) => d.transfers);
  }, [integrationId, token]);

  useEffect(() => {
    const gen = ++generation.current;
    setState({ ...EMPTY, loading: true });
    fetchPage(null, FIRST_PAGE).then((page) => {
      if (gen !== generation.current) return;
      setState({ ...EMPTY, loading: false, rows: page.edges.map((e) => e.node), hasNext: page.pageInfo.hasNextPage,
        endCursor: page.pageInfo.endCursor });
    }).catch((error: unknown) => {
      if (gen !== generation.current) return;
      setState({ ...EMPTY, loading: false, error: error instanceof ApiError ? error : new ApiError(String(error), "NETWORK") });
    });
  }, [key, fetchPage, nonce]);

  const stateRef = useRef(state);
  stateRef.current = state;
  const moreInFlight = useRef(false);
  const loadMore = useCallback(() => {
    const s = stateRef.current;
    if (!s.hasNext || moreInFlight.current || s.loading) return;
    moreInFlight.current = true;
    const gen = generation.current;
    setState((cur) => ({ ...cur, loadingMore: true }));
    fetchPage(s.endCursor, MORE_PAGE).finally(() => {
      moreInFlight.current = false;
    }).then((page) => {
      if (gen !== generation.current) return;
      setState((cur) => {
        const known = new Set(cur.rows.map((r) => r.id));
        const more = page.edges.map((e) => e.node).filter((r) => !known.has(r.id));
        return { ...cur, rows: cur.rows.concat(more), hasNext: page.pageInfo.hasNextPage,
          endCursor: page.pageInfo.endCursor ?? cur.endCursor, loadingMore: false, error: null };
      });
    }).catch((error: unknown) => {
      if (gen !== generation.current) return;
      setState((cur) => ({ ...cur, loadingMore: false,
        error: error instanceof ApiError ? error : new ApiError(String(error), "NETWORK") }));
    });
  }, [fetchPage]);

  // live updates
  useEffect(() => {
    const pending = new Map<string, TransferRow>();
    /** The newest known state of each transfer until the next frame merges them. */
    const keep = (row: TransferRow) => {
      const held = pending.get(row.id);
      if (!held || Date.parse(row.updatedAt) >= Date.parse(held.updatedAt)) pending.set(row.id, row);
    };
    let frame = 0;
    let timer = 0;
    const flush = () => {
      frame = 0;
      if (loadingRef.current) { // the first page is on its way; merge after it
        timer = window.setTimeout(schedule, 50);
        return;
      }
      const updates = [...pending.values()];
      pending.clear();
      setState((s) => mergeRows(s, updates, filtersRef.current));
    };
    const schedule = () => {
      if (!frame) frame = requestAnimationFrame(flush);
    };
    const unsubscribe = subscribe(TRANSFER_UPDATED, { integrationId }, token, {
      next: (d) => {
        keep(d.transferUpdated);
        schedule();
      },
      error: (error) => setState((s) => ({ ...s, error })),
    });
    // Once the socket is up, fetch the newest page again and merge it: it covers what changed between the first
    // page and the subscription taking effect, and after a reconnect what changed while the socket was down.
    let catchUp = 0;
    const offConnected = onConnected(() => {
      clearTimeout(catchUp);
      catchUp = window.setTimeout(() => {
        fetchPage(null, FIRST_PAGE).then((page) => {
          page.edges.forEach((e) => keep(e.node));
          schedule();
        }).catch(() => undefined);
      }, 300);
    });
    return () => {
      unsubscribe();
      offConnected();
      clearTimeout(catchUp);
      cancelAnimationFrame(frame);
      clearTimeout(timer);
    };
  }, [integrationId, token, fetchPage]);

  /** Put rows the app changed itself (e.g. a resend's answer) into the list at once. */
  const applyRows = useCallback((rows: TransferRow[]) => {
    setState((s) => mergeRows(s, rows, filtersRef.current));
  }, []);

  return { ...state, loadMore, reload: () => setNonce((n) => n + 1), applyRows };
}
