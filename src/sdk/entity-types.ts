// The entity types the platform knows, defined once: what the email connector emits (URL, DOMAIN,
// EMAIL_ADDRESS, IP, FILE), SecOps' common ones, and what actions declare in "entityTypes".

export const ENTITY_TYPES = [
  "URL",
  "DOMAIN",
  "HOSTNAME",
  "EMAIL_ADDRESS",
  "IP",
  "ADDRESS",
  "MAC_ADDRESS",
  "FILE",
  "FILENAME",
  "FILEHASH",
  "USERNAME",
  "PHONE_NUMBER",
  "PROCESS",
  "CVE",
  "THREAT_ACTOR",
  "DEPLOYMENT",
] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];

export function isEntityType(value: string): value is EntityType {
  return (ENTITY_TYPES as readonly string[]).includes(value);
}
