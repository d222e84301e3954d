package io.vfu4j.processor.read;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.Element;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.util.Elements;

/** Reads attribute values of an annotation mirror, defaults included, without loading classes. */
final class Values {
  private final Map<? extends ExecutableElement, ? extends AnnotationValue> values;

  Values(Elements elements, AnnotationMirror mirror) {
    this.values = elements.getElementValuesWithDefaults(mirror);
  }

  private Object raw(String name) {
    for (Map.Entry<? extends ExecutableElement, ? extends AnnotationValue> e : values.entrySet()) {
      if (e.getKey().getSimpleName().contentEquals(name)) {
        return e.getValue().getValue();
      }
    }
    throw new IllegalArgumentException("no attribute " + name);
  }

  int i(String name) {
    return ((Number) raw(name)).intValue();
  }

  long l(String name) {
    return ((Number) raw(name)).longValue();
  }

  boolean b(String name) {
    return (Boolean) raw(name);
  }

  String s(String name) {
    return (String) raw(name);
  }

  /** An enum constant's name. */
  String e(String name) {
    return ((VariableElement) raw(name)).getSimpleName().toString();
  }

  <E extends Enum<E>> E e(String name, Class<E> type) {
    return Enum.valueOf(type, e(name));
  }

  private List<? extends AnnotationValue> list(String name) {
    @SuppressWarnings("unchecked")
    List<? extends AnnotationValue> list = (List<? extends AnnotationValue>) raw(name);
    return list;
  }

  List<AnnotationMirror> mirrors(String name) {
    List<AnnotationMirror> out = new ArrayList<>();
    for (AnnotationValue v : list(name)) {
      out.add((AnnotationMirror) v.getValue());
    }
    return out;
  }

  List<Number> numbers(String name) {
    List<Number> out = new ArrayList<>();
    for (AnnotationValue v : list(name)) {
      out.add((Number) v.getValue());
    }
    return out;
  }

  /** The mirrors of {@code annotation} on {@code element}, unpacking its repeatable container. */
  static List<AnnotationMirror> find(Elements elements, Element element, String annotation,
      String container) {
    List<AnnotationMirror> out = new ArrayList<>();
    for (AnnotationMirror m : element.getAnnotationMirrors()) {
      String name = ((TypeElement) m.getAnnotationType().asElement()).getQualifiedName().toString();
      if (name.equals(annotation)) {
        out.add(m);
      } else if (name.equals(container)) {
        out.addAll(new Values(elements, m).mirrors("value"));
      }
    }
    return out;
  }

  /** The single mirror of {@code annotation} on {@code element}, or null. */
  static AnnotationMirror find(Elements elements, Element element, String annotation) {
    List<AnnotationMirror> found = find(elements, element, annotation, null);
    return found.isEmpty() ? null : found.get(0);
  }
}
