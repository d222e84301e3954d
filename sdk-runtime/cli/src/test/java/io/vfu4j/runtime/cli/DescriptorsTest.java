package io.vfu4j.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfu4j.api.DeviceContext;
import io.vfu4j.api.ResetReason;
import io.vfu4j.runtime.spi.DeviceDescriptor;
import io.vfu4j.runtime.spi.DeviceModel;
import java.io.DataInput;
import java.io.DataOutput;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DescriptorsTest {
  @Test
  void noRegisteredDeviceIsAClearError() {
    ClassLoader empty = new URLClassLoader(new URL[0], null);
    assertThatThrownBy(() -> Descriptors.discoverSingle(empty))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("no device on the class path");
  }

  @Test
  void onCreateSeesEveryInstanceAndServesWhatItReturns() {
    DeviceModel original = new NullModel();
    DeviceModel replacement = new NullModel();
    List<DeviceModel> seen = new ArrayList<>();
    DeviceDescriptor base = new DeviceDescriptor() {
      @Override
      public String name() {
        return "base";
      }

      @Override
      public String deviceClassName() {
        return "com.example.Base";
      }

      @Override
      public io.vfu4j.runtime.spi.DeviceLayout layout() {
        return null;
      }

      @Override
      public DeviceModel create(DeviceContext context, List<java.lang.foreign.MemorySegment> memory) {
        return original;
      }
    };
    DeviceDescriptor decorated = Descriptors.onCreate(base, (model, context) -> {
      seen.add(model);
      return replacement;
    });
    assertThat(decorated.name()).isEqualTo("base");
    assertThat(decorated.deviceClassName()).isEqualTo("com.example.Base");
    assertThat(decorated.create(null, List.of())).isSameAs(replacement);
    assertThat(seen).containsExactly(original);
  }

  private static final class NullModel implements DeviceModel {
    @Override
    public long read(int bar, long offset, int size) {
      return 0;
    }

    @Override
    public void write(int bar, long offset, int size, long value) {}

    @Override
    public void reset(ResetReason reason) {}

    @Override
    public void saveState(DataOutput out) {}

    @Override
    public void loadState(DataInput in) {}

    @Override
    public Object device() {
      return this;
    }
  }
}
