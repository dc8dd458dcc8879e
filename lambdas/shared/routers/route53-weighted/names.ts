/**
 * DNS names as Route 53 spells them. Route 53 answers names with a trailing dot and characters
 * outside `a-z0-9-_` as `\ooo` octal escapes (`*` is `\052`); a config names them as people write
 * them. Both forms compare equal once normalized.
 */

/** The name for comparing: octal escapes decoded, lowercase, no trailing dot. */
export function comparableName(name: string): string {
  const decoded = name.replace(/\\([0-7]{3})/g, (_, octal: string) =>
    String.fromCharCode(Number.parseInt(octal, 8)),
  );
  return decoded.toLowerCase().replace(/\.$/, '');
}

/**
 * The value of the `route53:ChangeResourceRecordSetsNormalizedRecordNames` condition key: lowercase,
 * no trailing dot, and every character other than a-z, 0-9, `-`, `_` and the dots between labels as
 * a backslash and three octal digits (Route 53 Developer Guide, "Normalizing the Route 53 condition
 * key values").
 */
export function normalizedRecordName(name: string): string {
  return comparableName(name)
    .split('')
    .map((ch) => (/[a-z0-9_.-]/.test(ch) ? ch : `\\${ch.charCodeAt(0).toString(8).padStart(3, '0')}`))
    .join('');
}
