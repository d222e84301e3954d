package io.vfu4j.processor.read;

import io.vfu4j.processor.diag.Diagnostic;
import io.vfu4j.processor.diag.Message;
import io.vfu4j.processor.diag.Report;
import io.vfu4j.processor.model.DeviceDescription.Identity;
import io.vfu4j.processor.model.Source;
import java.util.ArrayList;
import java.util.List;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.NestingKind;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.util.ElementFilter;
import javax.lang.model.util.Elements;

/** Reads {@code @PciDevice}: the identity, and whether the class can be instantiated. */
final class IdentityStep {
  /** Which constructor the descriptor calls. */
  record Shape(Identity identity, String name, boolean contextConstructor) {}

  private final Elements elements;

  IdentityStep(Elements elements) {
    this.elements = elements;
  }

  Report<Shape> read(TypeElement type, AnnotationMirror mirror) {
    Source source = new Source(type, mirror);
    Values v = new Values(elements, mirror);
    List<Diagnostic> errors = new ArrayList<>();
    String simple = type.getSimpleName().toString();
    if (type.getModifiers().contains(Modifier.ABSTRACT)) {
      errors.add(Diagnostic.error(source, null, Message.DEVICE_ABSTRACT, simple));
    }
    if (type.getModifiers().contains(Modifier.PRIVATE)) {
      errors.add(Diagnostic.error(source, null, Message.DEVICE_PRIVATE, simple));
    }
    if (type.getNestingKind() == NestingKind.MEMBER && !type.getModifiers().contains(Modifier.STATIC)) {
      errors.add(Diagnostic.error(source, null, Message.DEVICE_NESTED, simple));
    }
    Boolean context = constructor(type);
    if (context == null) {
      errors.add(Diagnostic.error(source, null, Message.NO_CONSTRUCTOR, simple));
    }
    range(source, v, "vendorId", 0xfffe, errors);
    range(source, v, "deviceId", 0xffff, errors);
    range(source, v, "subsystemVendorId", 0xffff, errors);
    range(source, v, "subsystemId", 0xffff, errors);
    range(source, v, "classCode", 0xffffff, errors);
    range(source, v, "revision", 0xff, errors);
    int vendor = v.i("vendorId");
    int device = v.i("deviceId");
    int subVendor = v.i("subsystemVendorId");
    int sub = v.i("subsystemId");
    Identity identity = new Identity(vendor, device, subVendor == 0 ? vendor : subVendor,
        sub == 0 ? device : sub, v.i("classCode"), v.i("revision"),
        v.e("bus").equals("PCI_EXPRESS"), v.e("interruptPin", io.vfu4j.api.InterruptPin.class).configValue(),
        source);
    String name = v.s("name").isEmpty() ? simple : v.s("name");
    return new Report<>(new Shape(identity, name, Boolean.TRUE.equals(context)), errors);
  }

  private static void range(Source source, Values v, String attribute, int max, List<Diagnostic> errors) {
    int value = v.i(attribute);
    if (value < 0 || value > max) {
      errors.add(Diagnostic.error(source, attribute, Message.ID_RANGE, attribute, value, max));
    }
  }

  /** TRUE: (DeviceContext) constructor; FALSE: no-arg; null: none usable. */
  private static Boolean constructor(TypeElement type) {
    Boolean found = null;
    for (ExecutableElement c : ElementFilter.constructorsIn(type.getEnclosedElements())) {
      if (c.getModifiers().contains(Modifier.PRIVATE)) {
        continue;
      }
      List<? extends VariableElement> params = c.getParameters();
      if (params.size() == 1 && params.get(0).asType().toString().equals(Names.DEVICE_CONTEXT)) {
        return Boolean.TRUE;
      }
      if (params.isEmpty()) {
        found = Boolean.FALSE;
      }
    }
    return found;
  }
}
