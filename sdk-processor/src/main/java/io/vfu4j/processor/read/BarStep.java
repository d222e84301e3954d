package io.vfu4j.processor.read;

import io.vfu4j.api.Bar;
import io.vfu4j.processor.model.BarModel;
import io.vfu4j.processor.model.Source;
import java.util.ArrayList;
import java.util.List;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.TypeElement;
import javax.lang.model.util.Elements;

/** Reads every {@code @Bar} of the device class. */
final class BarStep {
  private final Elements elements;

  BarStep(Elements elements) {
    this.elements = elements;
  }

  List<BarModel> read(TypeElement type) {
    List<BarModel> bars = new ArrayList<>();
    for (AnnotationMirror m : Values.find(elements, type, Names.BAR, Names.BARS)) {
      Values v = new Values(elements, m);
      bars.add(new BarModel(v.i("index"), v.l("size"), v.e("type", Bar.Type.class),
          v.b("prefetchable"), new Source(type, m)));
    }
    return bars;
  }
}
