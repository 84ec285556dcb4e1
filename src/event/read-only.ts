/**
 * Infers `readOnly` from the API action name when a record does not say. CloudTrail marks an
 * action read-only when it only reads state; AWS names those actions with a small set of verbs.
 */
const READ_ONLY_PREFIXES = [
  'Get',
  'List',
  'Describe',
  'Head',
  'Lookup',
  'Search',
  'Scan',
  'Query',
  'BatchGet',
  'Select',
  'View',
  'Filter',
  'Check',
  'Test',
  'Validate',
  'Verify',
];

// A verb counts only when a capital letter, digit or the end follows: "Getaway" is no "Get".
const READ_ONLY_NAME = new RegExp(`^(${READ_ONLY_PREFIXES.join('|')})([A-Z0-9_]|$)`);

/** Actions whose name misleads the verb rule, with the value AWS records for them. */
const READ_ONLY_EXCEPTIONS = new Map<string, boolean>([
  ['AssumeRole', true],
  ['InvokeModel', true],
  ['GetFederationToken', false],
]);

export function inferReadOnly(eventName: string | undefined): boolean | undefined {
  if (eventName === undefined) return undefined;
  return READ_ONLY_EXCEPTIONS.get(eventName) ?? READ_ONLY_NAME.test(eventName);
}
