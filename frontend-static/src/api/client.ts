// The one way the app talks to bokbro: GraphQL over HTTP for queries and mutations, graphql-ws
// (graphql-transport-ws) for the live transfer log. The token goes in the Authorization header, and in the
// WebSocket's connection_init payload.
import { createClient, type Client } from "graphql-ws";
import { print, type Document } from "./gql";

export type ErrorCode =
  | "UNAUTHENTICATED" | "FORBIDDEN" | "NOT_FOUND" | "INVALID_INPUT" | "CONFLICT" | "NETWORK" | "SERVER";

export class ApiError extends Error {
  constructor(message: string, readonly code: ErrorCode, readonly field?: string) {
    super(message);
    this.name = "ApiError";
  }
}

interface GraphQLErrorJson {
  message: string;
  extensions?: { code?: string; field?: string };
}

function toApiError(errors: readonly GraphQLErrorJson[]): ApiError {
  const first = errors[0];
  const code = (first?.extensions?.code ?? "SERVER") as ErrorCode;
  return new ApiError(first?.message ?? "unknown error", code, first?.extensions?.field);
}

type Listener = () => void;
const unauthenticatedListeners = new Set<Listener>();

/** Called when the server stops accepting the session's token (revoked while signed in). */
export function onUnauthenticated(listener: Listener): () => void {
  unauthenticatedListeners.add(listener);
  return () => unauthenticatedListeners.delete(listener);
}

function reportUnauthenticated(error: ApiError): void {
  if (error.code === "UNAUTHENTICATED") unauthenticatedListeners.forEach((l) => l());
}

export interface RequestOptions {
  token: string;
  signal?: AbortSignal;
  /** Set on sign-in, where a refused token is the expected answer and not a session ending. */
  quiet?: boolean;
}

export async function request<TData, TVariables>(
  doc: Document<TData, TVariables>,
  variables: TVariables,
  { token, signal, quiet }: RequestOptions,
): Promise<TData> {
  let response: Response;
  try {
    response = await fetch("/graphql", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json", Authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: print(doc), variables }),
      signal,
    });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new ApiError(String(err), "NETWORK");
  }
  let body: { data?: TData | null; errors?: GraphQLErrorJson[] };
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`HTTP ${response.status}`, response.status >= 500 ? "SERVER" : "NETWORK");
  }
  if (body.errors?.length) {
    const error = toApiError(body.errors);
    if (!quiet) reportUnauthenticated(error);
    throw error;
  }
  if (!response.ok || body.data == null) throw new ApiError(`HTTP ${response.status}`, "SERVER");
  return body.data;
}

// -- subscriptions --------------------------------------------------------------------------------

export type LiveState = "connecting" | "live" | "reconnecting";
const liveListeners = new Set<(state: LiveState) => void>();
const connectedListeners = new Set<Listener>();
let liveState: LiveState = "connecting";
let wsClient: { token: string; client: Client } | null = null;

function setLive(state: LiveState): void {
  liveState = state;
  liveListeners.forEach((l) => l(state));
}

export function getLiveState(): LiveState {
  return liveState;
}

export function onLiveState(listener: (state: LiveState) => void): () => void {
  liveListeners.add(listener);
  return () => liveListeners.delete(listener);
}

/**
 * Called each time the WebSocket is (re)connected. Whatever happened while it was down — or before a new
 * subscription was in place — was not pushed, so a listener refetches what it shows.
 */
export function onConnected(listener: Listener): () => void {
  connectedListeners.add(listener);
  return () => connectedListeners.delete(listener);
}

function client(token: string): Client {
  if (wsClient?.token === token) return wsClient.client;
  closeLive();
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/graphql`;
  const created = createClient({
    url,
    lazy: true,
    lazyCloseTimeout: 2000,
    keepAlive: 15_000,
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: () => true,
    connectionParams: () => ({ Authorization: `Bearer ${token}` }),
    on: {
      connecting: (isRetry) => setLive(isRetry ? "reconnecting" : "connecting"),
      connected: () => {
        setLive("live");
        connectedListeners.forEach((l) => l());
      },
      closed: () => setLive("reconnecting"),
    },
  });
  wsClient = { token, client: created };
  return created;
}

export function closeLive(): void {
  if (wsClient) {
    void wsClient.client.dispose();
    wsClient = null;
  }
}

export function subscribe<TData, TVariables>(
  doc: Document<TData, TVariables>,
  variables: TVariables,
  token: string,
  handlers: { next: (data: TData) => void; error: (error: ApiError) => void },
): () => void {
  return client(token).subscribe<TData>(
    { query: print(doc), variables: variables as Record<string, unknown> },
    {
      next: (result) => {
        if (result.errors?.length) {
          const error = toApiError(result.errors as GraphQLErrorJson[]);
          reportUnauthenticated(error);
          handlers.error(error);
        } else if (result.data) {
          handlers.next(result.data);
        }
      },
      error: (err) => {
        const error = Array.isArray(err)
          ? toApiError(err as GraphQLErrorJson[])
          : new ApiError(err instanceof Error ? err.message : "the live connection closed", "NETWORK");
        reportUnauthenticated(error);
        handlers.error(error);
      },
      complete: () => undefined,
    },
  );
}
