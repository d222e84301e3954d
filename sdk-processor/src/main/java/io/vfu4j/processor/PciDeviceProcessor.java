package io.vfu4j.processor;

import com.google.auto.service.AutoService;
import io.vfu4j.processor.diag.Diagnostic;
import io.vfu4j.processor.diag.Printer;
import io.vfu4j.processor.diag.Report;
import io.vfu4j.processor.gen.ConfigSpaceGenerator;
import io.vfu4j.processor.gen.DescriptorGenerator;
import io.vfu4j.processor.gen.RegistersGenerator;
import io.vfu4j.processor.model.DeviceDescription;
import io.vfu4j.processor.read.DeviceReader;
import com.palantir.javapoet.JavaFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.TreeSet;
import javax.annotation.processing.AbstractProcessor;
import javax.annotation.processing.Processor;
import javax.annotation.processing.RoundEnvironment;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.TypeElement;
import javax.tools.FileObject;
import javax.tools.StandardLocation;

/**
 * Turns each {@code @PciDevice} class into {@code <Device>_Registers} (register dispatch),
 * {@code <Device>_ConfigSpace} (config-space template) and {@code <Device>_Descriptor} (the
 * runtime's entry point, listed in {@code META-INF/services}). Nothing is generated for a class
 * with errors; every error is reported at the annotation value that causes it.
 */
@AutoService(Processor.class)
public final class PciDeviceProcessor extends AbstractProcessor {
  static final String SERVICE_FILE = "META-INF/services/io.vfu4j.runtime.spi.DeviceDescriptor";
  private static final String PCI_DEVICE = "io.vfu4j.api.PciDevice";

  /** Descriptors of this compilation, written once processing is over. */
  private final Set<String> descriptors = new TreeSet<>();

  @Override
  public Set<String> getSupportedAnnotationTypes() {
    return Set.of(PCI_DEVICE);
  }

  @Override
  public SourceVersion getSupportedSourceVersion() {
    return SourceVersion.latestSupported();
  }

  @Override
  public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment round) {
    TypeElement pciDevice = processingEnv.getElementUtils().getTypeElement(PCI_DEVICE);
    if (pciDevice != null) {
      for (Element element : round.getElementsAnnotatedWith(pciDevice)) {
        if (element.getKind() != ElementKind.CLASS) {
          processingEnv.getMessager().printMessage(javax.tools.Diagnostic.Kind.ERROR,
              io.vfu4j.processor.diag.Message.DEVICE_NOT_CLASS.format(element.getSimpleName(),
                  element.getKind().toString().toLowerCase(java.util.Locale.ROOT)), element);
          continue;
        }
        try {
          process((TypeElement) element);
        } catch (ClassCastException | IllegalArgumentException unreadable) {
          // An annotation value javac could not resolve (it already reported why).
          if (!round.errorRaised()) {
            processingEnv.getMessager().printMessage(javax.tools.Diagnostic.Kind.ERROR,
                "cannot read the annotations of " + element.getSimpleName() + " (" + unreadable
                    + "); fix the annotation values", element);
          }
        }
      }
    }
    if (round.processingOver() && !descriptors.isEmpty()) {
      writeServiceFile();
    }
    return false;
  }

  private void process(TypeElement type) {
    Report<DeviceDescription> report = new DeviceReader(processingEnv.getElementUtils()).read(type);
    Printer printer = new Printer(processingEnv);
    for (Diagnostic d : report.diagnostics()) {
      printer.print(d);
    }
    DeviceDescription device = report.value();
    if (device == null) {
      return;
    }
    write(RegistersGenerator.generate(device), type);
    write(ConfigSpaceGenerator.generate(device), type);
    write(DescriptorGenerator.generate(device), type);
    descriptors.add(DescriptorGenerator.className(device).reflectionName());
  }

  private void write(JavaFile file, TypeElement origin) {
    try {
      file.writeTo(processingEnv.getFiler());
    } catch (IOException e) {
      processingEnv.getMessager().printMessage(javax.tools.Diagnostic.Kind.ERROR,
          "cannot write " + file.packageName() + "." + file.typeSpec().name() + ": " + e, origin);
    }
  }

  /** Keeps entries of an earlier (incremental) compilation, as AutoService does. */
  private void readExistingServiceFile() {
    try {
      FileObject existing = processingEnv.getFiler()
          .getResource(StandardLocation.CLASS_OUTPUT, "", SERVICE_FILE);
      for (String line : existing.getCharContent(true).toString().split("\n")) {
        if (!line.isBlank()) {
          descriptors.add(line.strip());
        }
      }
    } catch (IOException | IllegalArgumentException noEarlierFile) {
      // Nothing to keep.
    }
  }

  private void writeServiceFile() {
    readExistingServiceFile();
    try {
      FileObject file = processingEnv.getFiler()
          .createResource(StandardLocation.CLASS_OUTPUT, "", SERVICE_FILE);
      try (Writer w = new java.io.OutputStreamWriter(file.openOutputStream(), StandardCharsets.UTF_8)) {
        for (String name : descriptors) {
          w.write(name);
          w.write('\n');
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + SERVICE_FILE, e);
    }
  }
}
