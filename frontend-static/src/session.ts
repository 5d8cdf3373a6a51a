// The signed-in token (sessionStorage: this tab only) and the data hooks built on it.
import { createContext } from "preact";
import { useCallback, useContext, useEffect, useRef, useState } from "preact/hooks";
import { ApiError, request } from "./api/client";
import type { Document } from "./api/gql";

const TOKEN_KEY = "bokbro.token";

export function storedToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function storeToken(token: string | null): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

// A customer's settings link (#/settings-link?token=…) is kept apart from an operator's or partner's sign-in.
const LINK_TOKEN_KEY = "bokbro.settingsLinkToken";

export function storedLinkToken(): string | null {
  return sessionStorage.getItem(LINK_TOKEN_KEY);
}

export function storeLinkToken(token: string | null): void {
  if (token) sessionStorage.setItem(LINK_TOKEN_KEY, token);
  else sessionStorage.removeItem(LINK_TOKEN_KEY);
}

export interface Session {
  token: string;
  signOut: () => void;
}

export const SessionContext = createContext<Session>(null as unknown as Session);

export function useSession(): Session {
  return useContext(SessionContext);
}

export interface QueryState<T> {
  data: T | null;
  error: ApiError | null;
  loading: boolean;
  reload: () => void;
  /** Replace the data locally (after a mutation answered with the new state). */
  setData: (update: (current: T | null) => T | null) => void;
}

/** Runs a query when the variables change (compared as JSON); a newer answer always wins over an older one. */
export function useQuery<TData, TVariables>(
  doc: Document<TData, TVariables>, variables: TVariables, { skip = false }: { skip?: boolean } = {},
): QueryState<TData> {
  const { token } = useSession();
  const key = JSON.stringify(variables);
  const [state, setState] = useState<{ data: TData | null; error: ApiError | null; loading: boolean }>(
    { data: null, error: null, loading: true });
  const [nonce, setNonce] = useState(0);
  const vars = useRef(variables);
  vars.current = variables;

  useEffect(() => {
    if (skip) return;
    const abort = new AbortController();
    setState((s) => ({ ...s, loading: true, error: null }));
    request(doc, vars.current, { token, signal: abort.signal })
      .then((data) => setState({ data, error: null, loading: false }))
      .catch((error: unknown) => {
        if (abort.signal.aborted) return;
        setState((s) => ({ data: s.data, loading: false,
          error: error instanceof ApiError ? error : new ApiError(String(error), "NETWORK") }));
      });
    return () => abort.abort();
  }, [doc, key, token, nonce, skip]);

  const reload = useCallback(() => setNonce((n) => n + 1), []);
  const setData = useCallback((update: (current: TData | null) => TData | null) => {
    setState((s) => ({ ...s, data: update(s.data) }));
  }, []);
  return { ...state, reload, setData };
}

/** A mutation with its own busy and error state. */
export function useMutation<TData, TVariables>(doc: Document<TData, TVariables>) {
  const { token } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const run = useCallback(async (variables: TVariables): Promise<TData | null> => {
    setBusy(true);
    setError(null);
    try {
      return await request(doc, variables, { token });
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(String(err), "NETWORK"));
      return null;
    } finally {
      setBusy(false);
    }
  }, [doc, token]);
  return { run, busy, error, clearError: () => setError(null) };
}
