package org.libomsvc;

/** A log entry's position: (term, index), as Ratis's {@code TermIndex}. */
public record TermIndex(long term, long index) {
  @Override
  public String toString() {
    return "(t:" + term + ", i:" + index + ")";
  }
}
