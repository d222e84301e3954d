package io.vfu4j.processor;

import java.lang.reflect.Field;

/** Test-side access to the author's register fields, as device code would touch them. */
final class DeviceField {
  private DeviceField() {}

  static Object get(Object device, String name) {
    try {
      Field f = device.getClass().getDeclaredField(name);
      f.setAccessible(true);
      return f.get(device);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }

  static void set(Object device, String name, Object value) {
    try {
      Field f = device.getClass().getDeclaredField(name);
      f.setAccessible(true);
      f.set(device, value);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }
}
