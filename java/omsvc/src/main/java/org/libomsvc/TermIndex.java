package org.libomsvc;

/** A log entry's position: (term, index), as Ratis's {@code TermIndex}. A value: equal by both. */
public final class TermIndex {
  private final long term;
  private final long index;

  public TermIndex(long term, long index) {
    this.term = term;
    this.index = index;
  }

  public long term() {
    return term;
  }

  public long index() {
    return index;
  }

  @Override
  public boolean equals(Object other) {
    if (!(other instanceof TermIndex)) {
      return false;
    }
    TermIndex that = (TermIndex) other;
    return term == that.term && index == that.index;
  }

  @Override
  public int hashCode() {
    return 31 * Long.hashCode(term) + Long.hashCode(index);
  }

  @Override
  public String toString() {
    return "(t:" + term + ", i:" + index + ")";
  }
}
