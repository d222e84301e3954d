package io.vfu4j.processor.read;

import io.vfu4j.processor.diag.Diagnostic;
import io.vfu4j.processor.diag.Message;
import io.vfu4j.processor.diag.Report;
import io.vfu4j.processor.model.MemoryModel;
import io.vfu4j.processor.model.Source;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.util.ElementFilter;
import javax.lang.model.util.Elements;

/** Reads every {@code @Memory} field. */
final class MemoryStep {
  private final Elements elements;

  MemoryStep(Elements elements) {
    this.elements = elements;
  }

  Report<List<MemoryModel>> read(TypeElement type) {
    List<MemoryModel> memories = new ArrayList<>();
    List<Diagnostic> errors = new ArrayList<>();
    for (VariableElement field : ElementFilter.fieldsIn(type.getEnclosedElements())) {
      AnnotationMirror mirror = Values.find(elements, field, Names.MEMORY);
      if (mirror == null) {
        continue;
      }
      Source source = new Source(field, mirror);
      String name = field.getSimpleName().toString();
      if (!field.asType().toString().equals("java.lang.foreign.MemorySegment")) {
        errors.add(Diagnostic.error(source, null, Message.MEMORY_TYPE, name, field.asType()));
      }
      Set<Modifier> mods = field.getModifiers();
      if (mods.contains(Modifier.PRIVATE) || mods.contains(Modifier.FINAL) || mods.contains(Modifier.STATIC)) {
        errors.add(Diagnostic.error(source, null, Message.MEMORY_FIELD_MODIFIERS, name));
      }
      Values v = new Values(elements, mirror);
      memories.add(new MemoryModel(name, v.i("bar"), v.l("offset"), v.l("size"), v.b("mmap"),
          v.e("access").equals("RO"), source));
    }
    return new Report<>(memories, errors);
  }
}
