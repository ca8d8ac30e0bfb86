// Console users: scrypt password hashes (memory-hard, per-user salt) and sign-in sessions.
import crypto from "node:crypto";
import { promisify } from "node:util";
import { sql } from "../store/kysely.js";
import { UserNameInvalid, UserPasswordInvalid, UserRoleInvalid } from "../errors.js";
import type { Store, UserRole } from "../store/index.js";
import { USER_ROLES } from "../../sdk/vocabulary.js";

const scryptUnbounded = promisify(crypto.scrypt) as (
  password: string,
  salt: Buffer,
  length: number,
  options: crypto.ScryptOptions,
) => Promise<Buffer>;

/**
 * Hashes at once: each holds 32 MiB and a thread of libuv's pool (4 threads, shared with file reads),
 * so a burst of sign-ins queues here instead of taking the memory and the pool from everything else.
 */
const SCRYPT_AT_ONCE = 2;
let scryptRunning = 0;
const scryptWaiting: (() => void)[] = [];

async function scrypt(password: string, salt: Buffer, length: number, options: crypto.ScryptOptions): Promise<Buffer> {
  if (scryptRunning >= SCRYPT_AT_ONCE) await new Promise<void>((resolve) => scryptWaiting.push(resolve));
  else scryptRunning++;
  try {
    return await scryptUnbounded(password, salt, length, options);
  } finally {
    // The slot passes straight to the next waiter, so the count never drops below what runs.
    const next = scryptWaiting.shift();
    if (next) next();
    else scryptRunning--;
  }
}

/**
 * scrypt cost: 2^15 × 8 × 128 bytes = 32 MiB of memory per hash (OWASP's recommended minimum is N=2^17 with r=8 p=1
 * for 128 MiB; 2^15 keeps sign-in fast on small machines).
 */
const N = 2 ** 15;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;
const MAX_MEMORY = 64 * 1024 * 1024;

export const ROLES = USER_ROLES;
export const SESSION_HOURS = 12;
const USER_NAME = /^[\p{L}\p{N}][\p{L}\p{N}._@-]{0,63}$/u;

export interface User {
  id: number;
  name: string;
  role: UserRole;
}

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.randomBytes(16);
  const hash = await scrypt(password.normalize("NFC"), salt, KEY_LENGTH, { N, r: R, p: P, maxmem: MAX_MEMORY });
  return `scrypt$${N}$${R}$${P}$${salt.toString("base64")}$${hash.toString("base64")}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, hash] = stored.split("$");
  if (kind !== "scrypt" || !salt || !hash) return false;
  const expected = Buffer.from(hash, "base64");
  const actual = await scrypt(password.normalize("NFC"), Buffer.from(salt, "base64"), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: MAX_MEMORY,
  });
  return crypto.timingSafeEqual(actual, expected);
}

/** A hash to verify against when the user does not exist, so that unknown names take as long as known ones. */
let dummyHash: Promise<string> | undefined;

/** Throws the error naming what is wrong with a user's name, role or password. */
export function checkUser(name: string, role: string, password: string): void {
  if (!USER_NAME.test(name)) throw new UserNameInvalid(JSON.stringify(name));
  if (!(ROLES as readonly string[]).includes(role)) throw new UserRoleInvalid(JSON.stringify(role));
  if (password.length < 8) throw new UserPasswordInvalid("the password must have at least 8 characters");
  if (password.length > 1024) throw new UserPasswordInvalid("the password must have at most 1024 characters");
}

/** Creates the user, or updates the role and password of an existing one. */
export async function saveUser(store: Store, name: string, role: string, password: string): Promise<{ created: boolean }> {
  checkUser(name, role, password);
  const password_hash = await hashPassword(password);
  const now = Date.now();
  const existing = await store.db.selectFrom("users").select("id").where("name", "=", name).executeTakeFirst();
  if (existing) {
    await store.db
      .updateTable("users")
      .set({ role: role as UserRole, password_hash, updated_at: now })
      .where("id", "=", existing.id)
      .execute();
    // A new password signs the user out everywhere.
    await store.db.deleteFrom("sessions").where("user_id", "=", existing.id).execute();
    return { created: false };
  }
  await store.db
    .insertInto("users")
    .values({ name, role: role as UserRole, password_hash, created_at: now, updated_at: now })
    .execute();
  return { created: true };
}

export async function hasUsers(store: Store): Promise<boolean> {
  return (await store.db.selectFrom("users").select("id").limit(1).executeTakeFirst()) !== undefined;
}

/**
 * Creates the first admin, in one statement that inserts only into an empty table: of racing callers
 * (two requests, two servers, the CLI) at most one creates a user; the others get undefined.
 */
export async function createFirstAdmin(store: Store, name: string, password: string): Promise<User | undefined> {
  checkUser(name, "admin", password);
  const passwordHash = await hashPassword(password);
  const now = Date.now();
  const created = await store.db.transaction().execute(async (trx) => {
    // PostgreSQL's READ COMMITTED lets two such inserts both see an empty table: this lock (which
    // conflicts with itself, not with reads) puts them one after the other. SQLite's insert holds the
    // database's write lock from its first read.
    if (store.dialect === "postgres") await sql`lock table users in share row exclusive mode`.execute(trx);
    const result = await sql`insert into users (name, role, password_hash, created_at, updated_at)
      select cast(${name} as text), 'admin', cast(${passwordHash} as text), cast(${now} as bigint), cast(${now} as bigint)
      where not exists (select 1 from users)`.execute(trx);
    return Number(result.numAffectedRows ?? 0) === 1;
  });
  if (!created) return undefined;
  const row = await store.db.selectFrom("users").select(["id", "name", "role"]).where("name", "=", name).executeTakeFirstOrThrow();
  return { id: row.id, name: row.name, role: row.role };
}

/** The user when name and password match, else undefined (in about the same time either way). */
export async function checkCredentials(store: Store, name: string, password: string): Promise<User | undefined> {
  const row = await store.db.selectFrom("users").selectAll().where("name", "=", name).executeTakeFirst();
  if (!row) {
    dummyHash ??= hashPassword(crypto.randomBytes(16).toString("hex"));
    await verifyPassword(password, await dummyHash);
    return undefined;
  }
  return (await verifyPassword(password, row.password_hash)) ? { id: row.id, name: row.name, role: row.role } : undefined;
}

function sha256(token: string): string {
  return crypto.createHash("sha256").update(token).digest("hex");
}

export async function createSession(store: Store, user: User): Promise<{ token: string; csrfToken: string; expiresAt: number }> {
  const token = crypto.randomBytes(32).toString("base64url");
  const csrfToken = crypto.randomBytes(32).toString("base64url");
  const now = Date.now();
  const expiresAt = now + SESSION_HOURS * 3600_000;
  await store.db.deleteFrom("sessions").where("expires_at", "<", now).execute();
  await store.db
    .insertInto("sessions")
    .values({ token_hash: sha256(token), user_id: user.id, csrf_token: csrfToken, created_at: now, expires_at: expiresAt })
    .execute();
  return { token, csrfToken, expiresAt };
}

export async function findSession(store: Store, token: string): Promise<{ user: User; csrfToken: string } | undefined> {
  const row = await store.db
    .selectFrom("sessions")
    .innerJoin("users", "users.id", "sessions.user_id")
    .select(["users.id", "users.name", "users.role", "sessions.csrf_token", "sessions.expires_at"])
    .where("sessions.token_hash", "=", sha256(token))
    .executeTakeFirst();
  if (!row || row.expires_at < Date.now()) return undefined;
  return { user: { id: row.id, name: row.name, role: row.role }, csrfToken: row.csrf_token };
}

export async function deleteSession(store: Store, token: string): Promise<void> {
  await store.db.deleteFrom("sessions").where("token_hash", "=", sha256(token)).execute();
}

export async function listUsers(store: Store): Promise<(User & { createdAt: number })[]> {
  const rows = await store.db.selectFrom("users").select(["id", "name", "role", "created_at"]).orderBy("name").execute();
  return rows.map((r) => ({ id: r.id, name: r.name, role: r.role, createdAt: r.created_at }));
}
