package io.vfu4j.runtime.cli;

import java.io.File;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.jar.JarFile;

/**
 * The Main-Class of every device jar, compiled for Java 8 (the build compiles this one class with
 * {@code --release 8}) so that an old {@code java -jar} prints one line saying which Java is
 * needed instead of an {@code UnsupportedClassVersionError}. On Java 25 or newer it calls the
 * {@code main} of the class named by the jar's {@value #MAIN_ATTRIBUTE} manifest attribute.
 *
 * <p>Only Java 8 API here.
 */
public final class Launcher {
  /** The manifest attribute naming the device's real main class. */
  public static final String MAIN_ATTRIBUTE = "Device-Main-Class";
  /** The Java feature release the runtime needs (the FFM API). */
  static final int REQUIRED = 25;

  private Launcher() {}

  public static void main(String[] args) throws Throwable {
    String jar = jarFile();
    int feature = feature(System.getProperty("java.specification.version"));
    if (feature < REQUIRED) {
      System.err.println((jar == null ? "this device" : new File(jar).getName()) + " needs Java " + REQUIRED
          + " or newer, but runs on Java " + System.getProperty("java.version") + " ("
          + System.getProperty("java.home") + "); put a JDK " + REQUIRED + " first on the PATH or set JAVA_HOME");
      System.exit(1);
      return;
    }
    String mainClass = jar == null ? null : mainClass(jar);
    if (mainClass == null) {
      System.err.println("vfu4j: the jar's manifest names no " + MAIN_ATTRIBUTE);
      System.exit(1);
      return;
    }
    Method main = Class.forName(mainClass).getMethod("main", String[].class);
    try {
      main.invoke(null, (Object) args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  /** "1.8" gives 8, "25" gives 25. */
  static int feature(String specificationVersion) {
    String v = specificationVersion.startsWith("1.") ? specificationVersion.substring(2) : specificationVersion;
    int dot = v.indexOf('.');
    try {
      return Integer.parseInt(dot < 0 ? v : v.substring(0, dot));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static String jarFile() {
    try {
      return new File(Launcher.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getPath();
    } catch (Exception | LinkageError e) {
      return null;
    }
  }

  private static String mainClass(String jar) throws java.io.IOException {
    JarFile file = new JarFile(jar);
    try {
      return file.getManifest() == null ? null : file.getManifest().getMainAttributes().getValue(MAIN_ATTRIBUTE);
    } finally {
      file.close();
    }
  }
}
