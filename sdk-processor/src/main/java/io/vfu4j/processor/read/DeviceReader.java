package io.vfu4j.processor.read;

import io.vfu4j.processor.diag.Diagnostic;
import io.vfu4j.processor.diag.Report;
import io.vfu4j.processor.model.BarModel;
import io.vfu4j.processor.model.CapabilityModel;
import io.vfu4j.processor.model.DeviceDescription;
import io.vfu4j.processor.model.HookModel;
import io.vfu4j.processor.model.MemoryModel;
import io.vfu4j.processor.model.RegisterModel;
import io.vfu4j.processor.validate.BarValidator;
import io.vfu4j.processor.validate.CapabilityValidator;
import io.vfu4j.processor.validate.LayoutValidator;
import io.vfu4j.processor.validate.RegisterValidator;
import java.util.ArrayList;
import java.util.List;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.TypeElement;
import javax.lang.model.util.Elements;

/**
 * Runs the steps (one per annotation kind) over a {@code @PciDevice} class, then the validators
 * over the assembled model. The description is null when any step or validator found an error.
 */
public final class DeviceReader {
  private final Elements elements;

  public DeviceReader(Elements elements) {
    this.elements = elements;
  }

  public Report<DeviceDescription> read(TypeElement type) {
    AnnotationMirror mirror = Values.find(elements, type, Names.PCI_DEVICE);
    List<Diagnostic> errors = new ArrayList<>();
    Report<IdentityStep.Shape> shape = new IdentityStep(elements).read(type, mirror);
    errors.addAll(shape.diagnostics());
    List<BarModel> bars = new BarStep(elements).read(type);
    Report<List<RegisterModel>> registers = new RegisterStep(elements).read(type);
    errors.addAll(registers.diagnostics());
    Report<List<MemoryModel>> memories = new MemoryStep(elements).read(type);
    errors.addAll(memories.diagnostics());
    Report<List<HookModel>> hooks = new HookStep(elements).read(type, registers.value());
    errors.addAll(hooks.diagnostics());
    List<CapabilityModel> capabilities = new CapabilityStep(elements).read(type);

    String pkg = elements.getPackageOf(type).getQualifiedName().toString();
    DeviceDescription device = new DeviceDescription(type, pkg, type.getSimpleName().toString(),
        shape.value().name(), shape.value().identity(), shape.value().contextConstructor(), bars,
        registers.value(), memories.value(), hooks.value(), capabilities);
    errors.addAll(BarValidator.validate(bars));
    errors.addAll(RegisterValidator.validate(device.registers()));
    errors.addAll(LayoutValidator.validate(device));
    errors.addAll(CapabilityValidator.validate(device));
    return new Report<>(errors.isEmpty() ? device : null, errors);
  }
}
