package io.vfu4j.processor.read;

import io.vfu4j.processor.diag.Diagnostic;
import io.vfu4j.processor.diag.Message;
import io.vfu4j.processor.diag.Report;
import io.vfu4j.processor.model.FieldModel;
import io.vfu4j.processor.model.HookModel;
import io.vfu4j.processor.model.HookModel.Kind;
import io.vfu4j.processor.model.RegisterModel;
import io.vfu4j.processor.model.Source;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.type.TypeKind;
import javax.lang.model.type.TypeMirror;
import javax.lang.model.util.ElementFilter;
import javax.lang.model.util.Elements;

/**
 * Reads {@code @OnRead}, {@code @OnWrite} and {@code @OnReset} methods and resolves them against
 * the registers, checking each signature against the ones the annotation's Javadoc allows.
 */
final class HookStep {
  private final Elements elements;

  HookStep(Elements elements) {
    this.elements = elements;
  }

  Report<List<HookModel>> read(TypeElement type, List<RegisterModel> registers) {
    List<HookModel> hooks = new ArrayList<>();
    List<Diagnostic> errors = new ArrayList<>();
    for (ExecutableElement method : ElementFilter.methodsIn(type.getEnclosedElements())) {
      hook(method, Names.ON_READ, Kind.READ, registers, hooks, errors);
      hook(method, Names.ON_WRITE, Kind.WRITE, registers, hooks, errors);
      hook(method, Names.ON_RESET, Kind.RESET, registers, hooks, errors);
    }
    return new Report<>(hooks, errors);
  }

  private void hook(ExecutableElement method, String annotation, Kind kind,
      List<RegisterModel> registers, List<HookModel> hooks, List<Diagnostic> errors) {
    AnnotationMirror mirror = Values.find(elements, method, annotation);
    if (mirror == null) {
      return;
    }
    Source source = new Source(method, mirror);
    String simple = annotation.substring(annotation.lastIndexOf('.') + 1);
    String name = method.getSimpleName().toString();
    if (method.getModifiers().contains(Modifier.PRIVATE) || method.getModifiers().contains(Modifier.STATIC)) {
      errors.add(Diagnostic.error(source, null, Message.HOOK_MODIFIERS, name));
      return;
    }
    if (kind == Kind.RESET) {
      resetHook(method, source, hooks, errors);
      return;
    }
    String target = new Values(elements, mirror).s("value");
    int dot = target.indexOf('.');
    String registerName = dot < 0 ? target : target.substring(0, dot);
    RegisterModel register = null;
    for (RegisterModel r : registers) {
      if (r.name().equals(registerName)) {
        register = r;
      }
    }
    if (register == null) {
      errors.add(Diagnostic.error(source, "value", Message.HOOK_UNKNOWN_REGISTER, simple, target,
          registers.stream().map(RegisterModel::name).collect(Collectors.joining(", "))));
      return;
    }
    if (kind == Kind.READ && register.readsAllOnes()) {
      errors.add(Diagnostic.error(source, "value", Message.HOOK_READ_NOT_DECODED, name, registerName));
      return;
    }
    FieldModel field = null;
    if (dot >= 0) {
      field = register.field(target.substring(dot + 1));
      if (field == null) {
        errors.add(Diagnostic.error(source, "value", Message.HOOK_UNKNOWN_FIELD, simple, target,
            registerName, target.substring(dot + 1),
            register.fields().stream().map(FieldModel::name).collect(Collectors.joining(", "))));
        return;
      }
    }
    TypeKind t = RegisterStep.primitiveFor(register.width());
    List<? extends VariableElement> params = method.getParameters();
    int first = register.isArray() ? 1 : 0;
    boolean indexOk = !register.isArray()
        || (!params.isEmpty() && params.get(0).asType().getKind() == TypeKind.INT);
    boolean valuesOk = indexOk && params.size() >= first
        && params.subList(first, params.size()).stream().allMatch(p -> p.asType().getKind() == t);
    int values = params.size() - first;
    TypeMirror returns = method.getReturnType();
    boolean returnsValue = returns.getKind() == t;
    boolean returnsVoid = returns.getKind() == TypeKind.VOID;
    boolean ok = valuesOk && switch (kind) {
      case READ -> (returnsVoid && values == 0) || (returnsValue && values == 1);
      case WRITE -> (returnsValue && (values == 1 || values == 2)) || (returnsVoid && values <= 2);
      case RESET -> false;
    };
    if (!ok) {
      errors.add(Diagnostic.error(source, null, Message.HOOK_SIGNATURE, simple, name,
          signature(method), allowed(kind, t, register.isArray())));
      return;
    }
    hooks.add(new HookModel(kind, name, register, field, values, returnsValue, false, source));
  }

  private static void resetHook(ExecutableElement method, Source source, List<HookModel> hooks,
      List<Diagnostic> errors) {
    List<? extends VariableElement> params = method.getParameters();
    boolean reason = params.size() == 1 && params.get(0).asType().toString().equals(Names.RESET_REASON);
    if (method.getReturnType().getKind() != TypeKind.VOID || !(params.isEmpty() || reason)) {
      errors.add(Diagnostic.error(source, null, Message.HOOK_SIGNATURE, "OnReset",
          method.getSimpleName(), signature(method), "void m(), void m(ResetReason reason)"));
      return;
    }
    hooks.add(new HookModel(Kind.RESET, method.getSimpleName().toString(), null, null, 0, false,
        reason, source));
  }

  private static String signature(ExecutableElement method) {
    return method.getReturnType() + " " + method.getSimpleName() + "("
        + method.getParameters().stream().map(p -> p.asType().toString()).collect(Collectors.joining(", "))
        + ")";
  }

  private static String allowed(Kind kind, TypeKind t, boolean array) {
    String type = t.name().toLowerCase(Locale.ROOT);
    String index = array ? "int index, " : "";
    String indexOnly = array ? "int index" : "";
    return switch (kind) {
      case READ -> "void m(" + indexOnly + "), " + type + " m(" + index + type + " stored)";
      case WRITE -> type + " m(" + index + type + " newValue), " + type + " m(" + index + type
          + " oldValue, " + type + " newValue), void m(" + indexOnly + "), void m(" + index + type
          + " newValue), void m(" + index + type + " oldValue, " + type + " newValue)";
      case RESET -> "void m(), void m(ResetReason reason)";
    };
  }
}
