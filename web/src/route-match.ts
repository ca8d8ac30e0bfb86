// How the console's route table is read (JSX-free, so unit tests type-check it): which route a pathname shows
// to a user, with its `:name` parts, and which nav entry it lights.
import type { UserRole } from "../../src/sdk/vocabulary.js";

/** What matching reads of a route of the table (routes.tsx). */
export interface RouteEntry {
  /** The path it shows, and every path under it; a `:name` part takes digits (a case's number). */
  path: string;
  /** Its entry in the navigation (`nav.<name>`), lit for this path and every route under it; none: no entry. */
  nav?: string;
  /** Only users of this role see it: for others its path shows the first route (the overview). */
  role?: UserRole;
}

export const visibleTo = (user: { role: UserRole }) => (route: RouteEntry) => route.role === undefined || route.role === user.role;

/**
 * The `:name` parts of a pathname the route shows, or undefined. A path with parameters matches exactly; one
 * without matches its prefix, as the console always has ("/cases" shows /cases?status=open and /cases/).
 */
function matchRoute(route: RouteEntry, pathname: string): Record<string, string> | undefined {
  if (!route.path.includes("/:")) return pathname.startsWith(route.path) ? {} : undefined;
  const names: string[] = [];
  const pattern = route.path.replace(/:(\w+)/g, (_, name: string) => {
    names.push(name);
    return "(\\d+)";
  });
  const found = new RegExp(`^${pattern}$`).exec(pathname);
  return found ? Object.fromEntries(names.map((name, index) => [name, found[index + 1]!])) : undefined;
}

/** The route a signed-in user sees at a pathname, with its parameters: the longest matching path, else the first route. */
export function routeFor<Route extends RouteEntry>(
  routes: readonly Route[],
  user: { role: UserRole },
  pathname: string,
): { route: Route; params: Record<string, string> } {
  // The longest path first: /cases/:id before /cases, and / (which every path starts with) last.
  const bySpecificity = routes.filter(visibleTo(user)).sort((a, b) => b.path.length - a.path.length);
  for (const route of bySpecificity) {
    const params = matchRoute(route, pathname);
    if (params) return { route, params };
  }
  return { route: routes[0]!, params: {} };
}

/** Whether a nav entry is lit for the route shown: its own route, or one under its path. */
export function lights(entry: RouteEntry, shown: RouteEntry): boolean {
  return entry === shown || (entry.path !== "/" && shown.path.startsWith(`${entry.path}/`));
}
