// The console's route table (web/src/routes.tsx): which page and which lit nav entry a path gets, by role.
import { beforeAll, describe, expect, it } from "vitest";
import { lights, routeFor, visibleTo, type RouteEntry } from "../../web/src/route-match.js";

// The table itself is TSX (its pages' components), which the tests' type-check does not compile: read at run time.
const TABLE_MODULE = "../../web/src/routes.js";
let ROUTES: readonly RouteEntry[];
beforeAll(async () => {
  ({ ROUTES } = (await import(TABLE_MODULE)) as { ROUTES: readonly RouteEntry[] });
});

const admin = { name: "ada", role: "admin" as const };
const analyst = { name: "bob", role: "analyst" as const };
const shown = (user: typeof admin | typeof analyst, pathname: string) => {
  const { route, params } = routeFor(ROUTES, user, pathname);
  return {
    path: route.path,
    params,
    lit: ROUTES.filter(visibleTo(user))
      .filter((entry) => entry.nav && lights(entry, route))
      .map((entry) => entry.nav),
  };
};

describe("the console's routes", () => {
  it("lists the navigation in its order, the IDE for admins only", () => {
    const nav = (user: typeof admin | typeof analyst) => ROUTES.filter(visibleTo(user)).flatMap((route) => (route.nav ? [route.nav] : []));
    expect(nav(admin)).toEqual(["overview", "cases", "connectors", "runs", "workers", "playbooks", "feeds", "lists", "replies", "ide"]);
    expect(nav(analyst)).toEqual(nav(admin).slice(0, -1));
  });

  it("shows a case by its number under the lit Cases entry, and the queue for anything else under /cases", () => {
    expect(shown(analyst, "/cases/42")).toEqual({ path: "/cases/:id", params: { id: "42" }, lit: ["cases"] });
    expect(shown(analyst, "/cases/x42")).toEqual({ path: "/cases", params: {}, lit: ["cases"] });
    expect(shown(analyst, "/cases")).toEqual({ path: "/cases", params: {}, lit: ["cases"] });
  });

  it("shows the page whose path starts the pathname, and the overview for the rest", () => {
    expect(shown(admin, "/playbooks/triage")).toMatchObject({ path: "/playbooks", lit: ["playbooks"] });
    expect(shown(admin, "/runs")).toMatchObject({ path: "/runs", lit: ["runs"] });
    expect(shown(admin, "/")).toMatchObject({ path: "/", lit: ["overview"] });
    expect(shown(admin, "/nowhere")).toMatchObject({ path: "/", lit: ["overview"] });
  });

  it("shows the IDE to an admin and the overview to an analyst at its path", () => {
    expect(shown(admin, "/ide/integrations/x")).toMatchObject({ path: "/ide", lit: ["ide"] });
    expect(shown(analyst, "/ide/integrations/x")).toMatchObject({ path: "/", lit: ["overview"] });
  });
});
