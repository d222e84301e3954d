package io.vfu4j.processor.diag;

import io.vfu4j.processor.model.Source;
import javax.annotation.processing.Messager;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.Element;
import javax.tools.Diagnostic.Kind;

/**
 * One finding of a validator, with the exact place it refers to: the element, the annotation on
 * it and, where the author wrote one, the attribute value.
 */
public record Diagnostic(Kind kind, String message, Element element, AnnotationMirror mirror,
    AnnotationValue value) {

  /** An error about {@code attribute} of the annotation in {@code source} (its default if not written). */
  public static Diagnostic error(Source source, String attribute, Message message, Object... args) {
    AnnotationValue value = attribute == null ? null : source.explicit(attribute);
    return new Diagnostic(Kind.ERROR, message.format(args), source.element(), source.mirror(), value);
  }

  /** An error about an element that carries no annotation of ours. */
  public static Diagnostic error(Element element, Message message, Object... args) {
    return new Diagnostic(Kind.ERROR, message.format(args), element, null, null);
  }

  /** Prints this diagnostic at its place. */
  public void printTo(Messager messager) {
    if (mirror == null) {
      messager.printMessage(kind, message, element);
    } else if (value == null) {
      messager.printMessage(kind, message, element, mirror);
    } else {
      messager.printMessage(kind, message, element, mirror, value);
    }
  }
}
