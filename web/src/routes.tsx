// The console's pages as one table: the navigation, the router and the role checks all read it.
// A new page is its component plus one row here (and its `nav.<name>` message when it has a nav entry).
import { lazy, type ReactNode } from "react";
import type { User } from "./api.js";
import { Overview } from "./pages/Overview.js";
import { CaseQueue } from "./pages/CaseQueue.js";
import { CaseView } from "./pages/CaseView.js";
import { Connectors } from "./pages/Connectors.js";
import { Runs } from "./pages/Runs.js";
import { Feeds } from "./feeds/Feeds.js";
import { Lists } from "./lists/Lists.js";
import { Workers } from "./workers/Workers.js";
import { ReplyTemplates } from "./respond/ReplyTemplates.js";
// The IDE carries the code editor: loaded only when an admin opens it.
const Ide = lazy(() => import("./pages/Ide.js").then((m) => ({ default: m.Ide })));
const Playbooks = lazy(() => import("./respond/Playbooks.js").then((m) => ({ default: m.Playbooks })));

/** The first-run page, shown without signing in and outside the frame. */
export const SETUP_PATH = "/setup";

/** What a page is given: the user, the path with and without its query, and the path's `:name` parts. */
export interface PageProps {
  user: User;
  path: string;
  pathname: string;
  params: Record<string, string>;
}

export interface ConsoleRoute {
  /** The path it shows, and every path under it; a `:name` part takes digits (a case's number). */
  path: string;
  /** Its entry in the navigation (`nav.<name>`), lit for this path and every route under it; none: no entry. */
  nav?: string;
  component: (props: PageProps) => ReactNode;
  /** Only users of this role see it: for others its path shows the overview. */
  role?: User["role"];
}

/** In the navigation's order. */
export const ROUTES: readonly ConsoleRoute[] = [
  { path: "/", nav: "overview", component: () => <Overview /> },
  { path: "/cases", nav: "cases", component: () => <CaseQueue /> },
  { path: "/cases/:id", component: ({ user, params }) => <CaseView id={Number(params.id)} admin={user.role === "admin"} /> },
  { path: "/connectors", nav: "connectors", component: ({ user }) => <Connectors user={user} /> },
  { path: "/runs", nav: "runs", component: ({ path }) => <Runs path={path} /> },
  { path: "/workers", nav: "workers", component: () => <Workers /> },
  { path: "/playbooks", nav: "playbooks", component: ({ user, pathname }) => <Playbooks path={pathname} user={user} /> },
  { path: "/feeds", nav: "feeds", component: ({ user }) => <Feeds user={user} /> },
  { path: "/lists", nav: "lists", component: ({ user }) => <Lists user={user} /> },
  { path: "/replies", nav: "replies", component: ({ user }) => <ReplyTemplates user={user} /> },
  { path: "/ide", nav: "ide", component: ({ pathname }) => <Ide path={pathname} />, role: "admin" },
];

export const visibleTo = (user: User) => (route: ConsoleRoute) => route.role === undefined || route.role === user.role;

/**
 * The `:name` parts of a pathname the route shows, or undefined. A path with parameters matches exactly; one
 * without matches its prefix, as the console always has ("/cases" shows /cases?status=open and /cases/).
 */
function matchRoute(route: ConsoleRoute, pathname: string): Record<string, string> | undefined {
  if (!route.path.includes("/:")) return pathname.startsWith(route.path) ? {} : undefined;
  const names: string[] = [];
  const pattern = route.path.replace(/:(\w+)/g, (_, name: string) => (names.push(name), "(\\d+)"));
  const found = new RegExp(`^${pattern}$`).exec(pathname);
  return found ? Object.fromEntries(names.map((name, index) => [name, found[index + 1]!])) : undefined;
}

// The longest path first: /cases/:id before /cases, and / (which every path starts with) last.
const BY_SPECIFICITY = [...ROUTES].sort((a, b) => b.path.length - a.path.length);

/** The route a signed-in user sees at a pathname, with its parameters. */
export function routeFor(user: User, pathname: string): { route: ConsoleRoute; params: Record<string, string> } {
  for (const route of BY_SPECIFICITY.filter(visibleTo(user))) {
    const params = matchRoute(route, pathname);
    if (params) return { route, params };
  }
  return { route: ROUTES[0]!, params: {} };
}

/** Whether a nav entry is lit for the route shown: its own route, or one under its path. */
export function lights(entry: ConsoleRoute, shown: ConsoleRoute): boolean {
  return entry === shown || (entry.path !== "/" && shown.path.startsWith(`${entry.path}/`));
}
