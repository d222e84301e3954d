package io.vfu4j.processor.read;

import io.vfu4j.processor.model.CapabilityModel;
import io.vfu4j.processor.model.Source;
import java.util.ArrayList;
import java.util.List;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.TypeElement;
import javax.lang.model.util.Elements;

/** Reads the capability annotations of the device class, in the builder's fixed order. */
final class CapabilityStep {
  private final Elements elements;

  CapabilityStep(Elements elements) {
    this.elements = elements;
  }

  List<CapabilityModel> read(TypeElement type) {
    List<CapabilityModel> caps = new ArrayList<>();
    for (AnnotationMirror m : Values.find(elements, type, Names.CAP + "PowerManagement", null)) {
      Values v = new Values(elements, m);
      caps.add(new CapabilityModel.PowerManagement(v.b("d1"), v.b("d2"), v.b("noSoftReset"),
          v.i("pmeSupport"), new Source(type, m)));
    }
    for (AnnotationMirror m : Values.find(elements, type, Names.CAP + "Msi", null)) {
      Values v = new Values(elements, m);
      caps.add(new CapabilityModel.Msi(v.i("vectors"), v.b("address64"), v.b("perVectorMask"),
          new Source(type, m)));
    }
    for (AnnotationMirror m : Values.find(elements, type, Names.CAP + "MsiX", null)) {
      Values v = new Values(elements, m);
      caps.add(new CapabilityModel.MsiX(v.i("vectors"), v.i("tableBar"), v.l("tableOffset"),
          v.i("pbaBar"), v.l("pbaOffset"), new Source(type, m)));
    }
    for (AnnotationMirror m : Values.find(elements, type, Names.CAP + "PciExpress", null)) {
      Values v = new Values(elements, m);
      int deviceType = v.e("type", io.vfu4j.api.capability.PciExpress.DeviceType.class).code();
      caps.add(new CapabilityModel.PciExpress(deviceType, v.i("maxPayload"),
          v.b("flr"), v.b("extendedTag"), v.i("completionTimeoutRanges"),
          v.b("completionTimeoutDisable"), v.b("tag10BitCompleter"), v.b("tag10BitRequester"),
          v.i("linkSpeed"), v.i("linkWidth"), new Source(type, m)));
    }
    for (AnnotationMirror m : Values.find(elements, type, Names.CAP + "VendorCapability",
        Names.CAP + "VendorCapabilities")) {
      List<Byte> data = new ArrayList<>();
      for (Number n : new Values(elements, m).numbers("data")) {
        data.add(n.byteValue());
      }
      caps.add(new CapabilityModel.Vendor(data, new Source(type, m)));
    }
    for (AnnotationMirror m : Values.find(elements, type, Names.CAP + "Aer", null)) {
      Values v = new Values(elements, m);
      caps.add(new CapabilityModel.Aer(v.i("uncorrectableSeverity"), v.b("ecrcGeneration"),
          v.b("ecrcCheck"), new Source(type, m)));
    }
    for (AnnotationMirror m : Values.find(elements, type, Names.CAP + "SerialNumber", null)) {
      caps.add(new CapabilityModel.SerialNumber(new Values(elements, m).l("value"), new Source(type, m)));
    }
    for (AnnotationMirror m : Values.find(elements, type, Names.CAP + "Ats", null)) {
      Values v = new Values(elements, m);
      caps.add(new CapabilityModel.Ats(v.i("invalidateQueueDepth"), v.b("pageAlignedRequest"),
          v.b("globalInvalidate"), new Source(type, m)));
    }
    for (AnnotationMirror m : Values.find(elements, type, Names.CAP + "Pri", null)) {
      Values v = new Values(elements, m);
      caps.add(new CapabilityModel.Pri(v.i("outstandingCapacity"), v.b("pasidRequired"),
          new Source(type, m)));
    }
    for (AnnotationMirror m : Values.find(elements, type, Names.CAP + "Pasid", null)) {
      Values v = new Values(elements, m);
      caps.add(new CapabilityModel.Pasid(v.i("width"), v.b("execute"), v.b("privileged"),
          new Source(type, m)));
    }
    return caps;
  }
}
