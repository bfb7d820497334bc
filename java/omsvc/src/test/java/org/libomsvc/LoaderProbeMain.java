package org.libomsvc;

/** Run in a child JVM by {@link NativeLibraryLoadingTest}: prints where the library came from. */
public final class LoaderProbeMain {
  private LoaderProbeMain() {}

  public static void main(String[] args) {
    try {
      System.out.println("LOADED FROM " + NativeLibrary.loadedFrom());
    } catch (UnsatisfiedLinkError e) {
      System.out.println("FAILED " + e.getMessage());
    }
  }
}
