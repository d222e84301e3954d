package io.vfu4j.runtime.protocol;

import java.io.StringWriter;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;

/**
 * The little JSON VERSION needs, on Jackson's streaming parser and generator (no data binding).
 * A parsed value is a {@code Map<String, Object>} (members in order; a repeated key keeps the last
 * value), a {@code List<Object>}, a {@link String}, a {@link Long} or {@link BigInteger} for
 * integers, a {@link Double} for other numbers, a {@link Boolean}, or {@link #NULL}.
 */
final class Json {
  /** JSON's null, distinct from an absent member (Java null). */
  static final Object NULL = new Object() {
    @Override
    public String toString() {
      return "null";
    }
  };

  private static final JsonFactory FACTORY = new JsonFactory();
  /** Deeper nesting than this is refused: VERSION needs 3 levels. */
  private static final int MAX_DEPTH = 64;

  private Json() {}

  /** Parses one JSON value that makes up all of {@code text}. */
  static Object parse(String text) throws ProtocolException {
    try (JsonParser parser = FACTORY.createParser(ObjectReadContext.empty(), text)) {
      JsonToken first = parser.nextToken();
      if (first == null) {
        throw ProtocolException.invalid("VERSION: malformed JSON: no value");
      }
      Object value = value(parser, first, 0);
      if (parser.nextToken() != null) {
        throw ProtocolException.invalid("VERSION: malformed JSON: more than one value");
      }
      return value;
    } catch (JacksonException e) {
      throw ProtocolException.invalid("VERSION: malformed JSON: " + e.getOriginalMessage());
    }
  }

  private static Object value(JsonParser parser, JsonToken token, int depth) throws ProtocolException {
    if (depth > MAX_DEPTH) {
      throw ProtocolException.invalid("VERSION: malformed JSON: nested deeper than " + MAX_DEPTH);
    }
    return switch (token) {
      case START_OBJECT -> {
        Map<String, Object> members = new LinkedHashMap<>();
        for (JsonToken t = parser.nextToken(); t != JsonToken.END_OBJECT; t = parser.nextToken()) {
          String name = parser.currentName();
          members.put(name, value(parser, parser.nextToken(), depth + 1));
        }
        yield members;
      }
      case START_ARRAY -> {
        List<Object> elements = new ArrayList<>();
        for (JsonToken t = parser.nextToken(); t != JsonToken.END_ARRAY; t = parser.nextToken()) {
          elements.add(value(parser, t, depth + 1));
        }
        yield elements;
      }
      case VALUE_STRING -> parser.getString();
      case VALUE_NUMBER_INT -> switch (parser.getNumberType()) {
        case INT, LONG -> parser.getLongValue();
        default -> parser.getBigIntegerValue();
      };
      case VALUE_NUMBER_FLOAT -> parser.getDoubleValue();
      case VALUE_TRUE -> Boolean.TRUE;
      case VALUE_FALSE -> Boolean.FALSE;
      case VALUE_NULL -> NULL;
      default -> throw ProtocolException.invalid("VERSION: malformed JSON: unexpected " + token);
    };
  }

  /** The member {@code key} of {@code object} when it is an object, else null. */
  static Object member(Object object, String key) {
    return object instanceof Map<?, ?> map ? map.get(key) : null;
  }

  /** {@code value} as compact JSON text (for messages and for encoding). */
  static String write(Object value) {
    StringWriter out = new StringWriter();
    try (JsonGenerator generator = FACTORY.createGenerator(ObjectWriteContext.empty(), out)) {
      write(generator, value);
    }
    return out.toString();
  }

  private static void write(JsonGenerator generator, Object value) {
    switch (value) {
      case Map<?, ?> map -> {
        generator.writeStartObject();
        for (Map.Entry<?, ?> e : map.entrySet()) {
          generator.writeName((String) e.getKey());
          write(generator, e.getValue());
        }
        generator.writeEndObject();
      }
      case List<?> list -> {
        generator.writeStartArray();
        for (Object element : list) {
          write(generator, element);
        }
        generator.writeEndArray();
      }
      case String s -> generator.writeString(s);
      case Long l -> generator.writeNumber(l);
      case Integer i -> generator.writeNumber(i);
      case BigInteger b -> generator.writeNumber(b);
      case Double d -> generator.writeNumber(d);
      case Boolean b -> generator.writeBoolean(b);
      default -> {
        if (value != NULL) {
          throw new IllegalArgumentException("not a JSON value: " + value.getClass().getName());
        }
        generator.writeNull();
      }
    }
  }
}
