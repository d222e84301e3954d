package io.vfu4j.processor.model;

import java.util.Map;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.Element;
import javax.lang.model.element.ExecutableElement;

/**
 * Where a piece of the model came from: the annotated element and the annotation on it, so that a
 * diagnostic can point at the exact attribute the author wrote.
 */
public record Source(Element element, AnnotationMirror mirror) {

  /** The attribute as written, or null when the author left it at its default. */
  public AnnotationValue explicit(String attribute) {
    for (Map.Entry<? extends ExecutableElement, ? extends AnnotationValue> e :
        mirror.getElementValues().entrySet()) {
      if (e.getKey().getSimpleName().contentEquals(attribute)) {
        return e.getValue();
      }
    }
    return null;
  }
}
