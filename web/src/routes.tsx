// The console's pages as one table: the navigation, the router and the role checks all read it (route-match.ts).
// A new page is its component plus one row here (and its `nav.<name>` message when it has a nav entry).
import { lazy, type ReactNode } from "react";
import type { User } from "./api.js";
import { routeFor as routeIn, type RouteEntry } from "./route-match.js";
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

export interface ConsoleRoute extends RouteEntry {
  component: (props: PageProps) => ReactNode;
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

/** The route a signed-in user sees at a pathname, with its parameters. */
export const routeFor = (user: User, pathname: string) => routeIn(ROUTES, user, pathname);
