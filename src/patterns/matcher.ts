/**
 * The one shape every compiled matcher has (DESIGN §3): filter patterns, event patterns and trail
 * selectors are parsed once, then asked `matches` on the hot path and `explain` when a person
 * wants to know why.
 */
export interface Explanation {
  matched: boolean;
  /** One line per part of the pattern that was checked: what it wanted and what it found. */
  reasons: string[];
}

export interface Matcher<E = unknown> {
  matches(event: E): boolean;
  explain(event: E): Explanation;
}
