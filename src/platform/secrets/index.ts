// Secrets at rest: AES-256-GCM with a key from INTAKE_SECRET_KEY or a 0600 key file made on first use.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { SecretKey } from "../errors.js";

const PREFIX = "enc:v1:";

export interface SecretBox {
  encrypt(plain: string): string;
  decrypt(stored: string): string;
  isEncrypted(stored: unknown): boolean;
}

function loadKey(dataDir: string): Buffer {
  const fromEnv = process.env.INTAKE_SECRET_KEY;
  if (fromEnv) {
    // A 32-byte key in base64 or hex is used as is; any other string is stretched into one.
    const raw = /^[0-9a-f]{64}$/i.test(fromEnv) ? Buffer.from(fromEnv, "hex") : Buffer.from(fromEnv, "base64");
    return raw.length === 32 ? raw : crypto.createHash("sha256").update(fromEnv).digest();
  }
  const file = path.join(dataDir, "intake.key");
  try {
    return Buffer.from(fs.readFileSync(file, "utf8").trim(), "base64");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
      throw new SecretKey(`cannot read key file ${file}: ${(error as Error).message}`);
    }
  }
  const key = crypto.randomBytes(32);
  try {
    // "wx": never overwrite a key another process wrote a moment ago.
    fs.writeFileSync(file, `${key.toString("base64")}\n`, { mode: 0o600, flag: "wx" });
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return Buffer.from(fs.readFileSync(file, "utf8").trim(), "base64");
    throw new SecretKey(`cannot create key file ${file}: ${(error as Error).message}`);
  }
}

export function openSecretBox(dataDir: string): SecretBox {
  let key: Buffer | undefined;
  const getKey = () => (key ??= loadKey(dataDir));
  return {
    encrypt(plain) {
      const iv = crypto.randomBytes(12);
      const cipher = crypto.createCipheriv("aes-256-gcm", getKey(), iv);
      const data = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
      return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), data]).toString("base64");
    },
    decrypt(stored) {
      if (!stored.startsWith(PREFIX)) return stored;
      const raw = Buffer.from(stored.slice(PREFIX.length), "base64");
      try {
        const decipher = crypto.createDecipheriv("aes-256-gcm", getKey(), raw.subarray(0, 12));
        decipher.setAuthTag(raw.subarray(12, 28));
        return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
      } catch {
        throw new SecretKey("a stored secret cannot be decrypted: INTAKE_SECRET_KEY or the key file changed");
      }
    },
    isEncrypted: (stored) => typeof stored === "string" && stored.startsWith(PREFIX),
  };
}
