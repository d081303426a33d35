/** A full git object id: 40 hexadecimal digits (SHA-1) or 64 (SHA-256), lowercase, as git prints them. */
export const OBJECT_ID = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

export function isObjectId(text: string): boolean {
  return OBJECT_ID.test(text);
}
