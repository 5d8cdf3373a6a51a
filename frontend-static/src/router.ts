// Hash routes (the gateway serves the app at "/" only, so every page lives after the "#"):
//
//   #/sign-in
//   #/integrations                                   list
//   #/integrations/:id                               overview (company, connections)
//   #/integrations/:id/settings
//   #/integrations/:id/transfers[/:transferId]       log of one integration (?status=&kind=&q=)
//   #/transfers[/:transferId]                        log of every integration the token sees
//
// Pages still to come slot in as more tabs of an integration (onboarding, initial-sync, reconciliation) or as
// #/integrations/new; see TABS in pages/IntegrationPage.tsx and the switch in app.tsx.
import { useEffect, useState } from "preact/hooks";

export interface Route {
  /** Path segments after "#/", decoded. */
  segments: string[];
  query: URLSearchParams;
  /** The raw hash, to compare routes. */
  href: string;
}

function parse(hash: string): Route {
  const raw = hash.replace(/^#\/?/, "");
  const [path = "", search = ""] = raw.split("?", 2);
  const segments = path.split("/").filter(Boolean).map(decodeURIComponent);
  return { segments, query: new URLSearchParams(search), href: hash || "#/" };
}

export function currentRoute(): Route {
  return parse(location.hash);
}

export function href(segments: string[], query?: URLSearchParams | Record<string, string>): string {
  const q = query instanceof URLSearchParams ? query.toString() : new URLSearchParams(query ?? {}).toString();
  return `#/${segments.map(encodeURIComponent).join("/")}${q ? `?${q}` : ""}`;
}

export function navigate(to: string, { replace = false } = {}): void {
  if (to === location.hash) return;
  if (replace) {
    history.replaceState(history.state, "", to);
    window.dispatchEvent(new HashChangeEvent("hashchange"));
  } else {
    location.hash = to;
  }
}

export function useRoute(): Route {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const update = () => setRoute(currentRoute());
    window.addEventListener("hashchange", update);
    return () => window.removeEventListener("hashchange", update);
  }, []);
  return route;
}
