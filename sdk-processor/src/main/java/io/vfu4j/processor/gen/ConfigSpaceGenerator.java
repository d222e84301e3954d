package io.vfu4j.processor.gen;

import static javax.lang.model.element.Modifier.FINAL;
import static javax.lang.model.element.Modifier.PRIVATE;
import static javax.lang.model.element.Modifier.PUBLIC;
import static javax.lang.model.element.Modifier.STATIC;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.JavaFile;
import com.palantir.javapoet.MethodSpec;
import io.vfu4j.processor.model.BarModel;
import io.vfu4j.processor.model.CapabilityModel;
import io.vfu4j.processor.model.DeviceDescription;
import io.vfu4j.processor.model.DeviceDescription.Identity;
import java.util.ArrayList;
import java.util.List;

/**
 * Generates {@code <Device>_ConfigSpace}: one {@code ConfigSpaceBuilder} call chain with the
 * annotation values. The builder owns the layout, so capability offsets are the runtime's.
 */
public final class ConfigSpaceGenerator {
  private ConfigSpaceGenerator() {}

  public static ClassName className(DeviceDescription device) {
    return Generated.name(device, "ConfigSpace");
  }

  public static JavaFile generate(DeviceDescription device) {
    ClassName name = className(device);
    Identity id = device.identity();
    CodeBlock.Builder chain = CodeBlock.builder()
        .add("$T.$L($L, $L)$>", Generated.CONFIG_SPACE_BUILDER, id.express() ? "express" : "pci",
            hex16(id.vendorId()), hex16(id.deviceId()))
        .add("\n.subsystem($L, $L)", hex16(id.subsystemVendorId()), hex16(id.subsystemId()))
        .add("\n.classCode(0x$L)", String.format("%06x", id.classCode()))
        .add("\n.revision(0x$L)", Integer.toHexString(id.revision()))
        .add("\n.interruptPin($L)", id.interruptPin());
    for (BarModel bar : device.bars()) {
      chain.add("\n.bar(new $T($L, $L, $T.Type.$L, $L))", Generated.BAR_LAYOUT, bar.index(),
          Generated.hex(bar.size()), Generated.BAR, bar.type(), bar.prefetchable());
    }
    for (CapabilityModel cap : device.capabilities()) {
      chain.add("\n$L", capability(cap));
    }
    chain.add("\n.build()$<");
    var type = Generated.classBuilder(device, name)
        .addJavadoc("Config space of {@link $T}, from its annotations.\n", ClassName.get(device.type()))
        .addField(FieldSpec.builder(Generated.CONFIG_SPACE_TEMPLATE, "TEMPLATE", PUBLIC, STATIC, FINAL)
            .addJavadoc("Reset image, write masks and capability chain.\n")
            .initializer(chain.build()).build())
        .addMethod(MethodSpec.constructorBuilder().addModifiers(PRIVATE).build())
        .build();
    return Generated.file(name, type);
  }

  private static String hex16(int value) {
    return String.format("0x%04x", value);
  }

  private static CodeBlock capability(CapabilityModel cap) {
    return switch (cap) {
      case CapabilityModel.PowerManagement pm -> CodeBlock.of(".powerManagement($L, $L, $L, 0x$L)",
          pm.d1(), pm.d2(), pm.noSoftReset(), Integer.toHexString(pm.pmeSupport()));
      case CapabilityModel.Msi msi -> CodeBlock.of(".msi($L, $L, $L)", msi.vectors(), msi.address64(),
          msi.perVectorMask());
      case CapabilityModel.MsiX x -> CodeBlock.of(".msix($L, $L, $L, $L, $L)", x.vectors(), x.tableBar(),
          Generated.hex(x.tableOffset()), x.pbaBar(), Generated.hex(x.pbaOffset()));
      case CapabilityModel.PciExpress e -> CodeBlock.of(
          ".pciExpress($L, $L, $L, $L, $L, $L, $L, $L, $L, $L)", e.deviceType(), e.maxPayload(), e.flr(),
          e.extendedTag(), e.completionTimeoutRanges(), e.completionTimeoutDisable(),
          e.tag10BitCompleter(), e.tag10BitRequester(), e.linkSpeed(), e.linkWidth());
      case CapabilityModel.Vendor v -> CodeBlock.of(".vendor(new byte[] {$L})", bytes(v.data()));
      case CapabilityModel.Aer aer -> CodeBlock.of(".aer(0x$L, $L, $L)",
          Integer.toHexString(aer.uncorrectableSeverity()), aer.ecrcGeneration(), aer.ecrcCheck());
      case CapabilityModel.SerialNumber dsn -> CodeBlock.of(".serialNumber($L)", Generated.hex(dsn.value()));
      case CapabilityModel.Ats ats -> CodeBlock.of(".ats($L, $L, $L)", ats.invalidateQueueDepth(),
          ats.pageAlignedRequest(), ats.globalInvalidate());
      case CapabilityModel.Pri pri -> CodeBlock.of(".pri($L, $L)", pri.outstandingCapacity(),
          pri.pasidRequired());
      case CapabilityModel.Pasid p -> CodeBlock.of(".pasid($L, $L, $L)", p.width(), p.execute(),
          p.privileged());
    };
  }

  private static String bytes(List<Byte> data) {
    List<String> out = new ArrayList<>();
    for (byte b : data) {
      out.add(b < 0 ? "(byte) 0x" + Integer.toHexString(b & 0xff) : "0x" + Integer.toHexString(b));
    }
    return String.join(", ", out);
  }
}
