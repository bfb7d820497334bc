package org.libomsvc;

/** What applying a configuration entry did to the table. */
public enum ApplyOutcome {
  /** The entry changed the table, in one atomic batch with its (term, index). */
  APPLIED,
  /** The entry's index was at or below the last applied one: nothing changed. */
  ALREADY_APPLIED
}
