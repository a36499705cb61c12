package io.genbus.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads one section ({@code api}, {@code worker} or {@code db}) of the YAML or JSON config file into its typed record,
 * then lets environment variables override the section's scalar keys: {@code GENBUS_API_KEEP_ALIVE_SECONDS}
 * overrides {@code api.keepAliveSeconds}; list keys take comma-separated values. A node reads only its own
 * section, so an API node never fails on a worker's settings and vice versa.
 */
public final class ConfigLoader {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

  private final Map<String, String> env;

  public ConfigLoader(Map<String, String> env) {
    this.env = env;
  }

  public static ConfigLoader fromEnvironment() {
    return new ConfigLoader(System.getenv());
  }

  public ApiConfig api(Path file) {
    return section(file, "api", ApiConfig.class);
  }

  public WorkerConfig worker(Path file) {
    return section(file, "worker", WorkerConfig.class);
  }

  /** The top-level {@code db} section (an API node's): {@code GENBUS_DB_URL} overrides {@code db.url}. */
  public DbConfig db(Path file) {
    return section(file, "db", DbConfig.class);
  }

  /** The {@code api} section of a config given as YAML or JSON text (a whole file, or just the section's keys). */
  public ApiConfig apiFromText(String text) {
    return sectionFromText(text, "api", ApiConfig.class);
  }

  /** The {@code worker} section of a config given as YAML or JSON text (a whole file, or just the section's keys). */
  public WorkerConfig workerFromText(String text) {
    return sectionFromText(text, "worker", WorkerConfig.class);
  }

  /** The {@code db} section of a config given as YAML or JSON text (a whole file, or just the section's keys). */
  public DbConfig dbFromText(String text) {
    return sectionFromText(text, "db", DbConfig.class);
  }

  private <T extends Record> T sectionFromText(String text, String name, Class<T> type) {
    try {
      JsonNode root = YAML.readTree(text);
      ObjectNode node = root instanceof ObjectNode o ? o : JsonNodeFactory.instance.objectNode();
      ObjectNode section = node.get(name) instanceof ObjectNode inner ? inner : node;
      return map(null, section, name, type);
    } catch (JsonProcessingException e) {
      throw new ConfigException("configuration: " + e.getOriginalMessage(), e);
    }
  }

  <T extends Record> T section(Path file, String name, Class<T> type) {
    return map(file, read(file, name), name, type);
  }

  private <T extends Record> T map(Path file, ObjectNode section, String name, Class<T> type) {
    applyEnvironment(section, name, type);
    interpolate(section, file);
    try {
      return YAML.treeToValue(section, type);
    } catch (ValueInstantiationException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new ConfigException(where(file) + cause.getMessage(), e);
    } catch (JsonProcessingException e) {
      throw new ConfigException(where(file) + "section '" + name + "': " + e.getOriginalMessage()
          + pathOf(e), e);
    }
  }

  private static ObjectNode read(Path file, String name) {
    if (file == null) {
      return JsonNodeFactory.instance.objectNode();
    }
    JsonNode root;
    try {
      root = YAML.readTree(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new ConfigException("cannot read config file " + file + ": " + e.getMessage(), e);
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      return JsonNodeFactory.instance.objectNode();
    }
    if (!root.isObject()) {
      throw new ConfigException(where(file) + "the file must hold a mapping with 'api', 'worker' and/or 'db'");
    }
    JsonNode section = root.get(name);
    if (section == null || section.isNull()) {
      return JsonNodeFactory.instance.objectNode();
    }
    if (!section.isObject()) {
      throw new ConfigException(where(file) + "'" + name + "' must be a mapping");
    }
    return ((ObjectNode) section).deepCopy();
  }

  private void applyEnvironment(ObjectNode section, String name, Class<? extends Record> type) {
    for (RecordComponent component : type.getRecordComponents()) {
      if (component.getType().isRecord()) { // nested section: api.queue.buffer ← GENBUS_API_QUEUE_BUFFER
        @SuppressWarnings("unchecked")
        Class<? extends Record> nested = (Class<? extends Record>) component.getType();
        JsonNode existing = section.get(component.getName());
        ObjectNode child = existing instanceof ObjectNode o ? o : JsonNodeFactory.instance.objectNode();
        applyEnvironment(child, name + "_" + component.getName(), nested);
        if (!child.isEmpty()) {
          section.set(component.getName(), child);
        }
        continue;
      }
      String value = env.get(envName(name, component.getName()));
      if (value == null) {
        continue;
      }
      if (List.class.isAssignableFrom(component.getType())) {
        if (component.getName().equals("backends")) {
          continue; // structured; only the file can set it
        }
        ArrayNode array = section.putArray(component.getName());
        for (String part : value.split(",")) {
          if (!part.isBlank()) {
            array.add(part.trim());
          }
        }
      } else {
        section.put(component.getName(), value.trim());
      }
    }
  }

  private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");

  /** Replaces {@code ${NAME}} in every string value with the environment variable, so secrets stay out of the file. */
  private void interpolate(JsonNode node, Path file) {
    if (node instanceof ObjectNode object) {
      object.fieldNames().forEachRemaining(field -> {
        JsonNode child = object.get(field);
        if (child.isTextual()) {
          object.put(field, substitute(child.asText(), file));
        } else {
          interpolate(child, file);
        }
      });
    } else if (node instanceof ArrayNode array) {
      for (int i = 0; i < array.size(); i++) {
        if (array.get(i).isTextual()) {
          array.set(i, JsonNodeFactory.instance.textNode(substitute(array.get(i).asText(), file)));
        } else {
          interpolate(array.get(i), file);
        }
      }
    }
  }

  private String substitute(String text, Path file) {
    Matcher m = VARIABLE.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value = env.get(m.group(1));
      if (value == null) {
        throw new ConfigException(where(file) + "environment variable " + m.group(1) + " is not set (the config uses ${"
            + m.group(1) + "})");
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    return m.appendTail(out).toString();
  }

  /** {@code api}, {@code keepAliveSeconds} → {@code GENBUS_API_KEEP_ALIVE_SECONDS}. */
  public static String envName(String section, String key) {
    String snake = key.replaceAll("([a-z0-9])([A-Z])", "$1_$2");
    return ("GENBUS_" + section + "_" + snake).toUpperCase(Locale.ROOT);
  }

  private static String where(Path file) {
    return file == null ? "configuration: " : "config file " + file + ": ";
  }

  private static String pathOf(JsonProcessingException e) {
    if (e instanceof com.fasterxml.jackson.databind.JsonMappingException m && !m.getPath().isEmpty()) {
      StringBuilder sb = new StringBuilder(" (at ");
      for (var ref : m.getPath()) {
        sb.append(ref.getFieldName() != null ? "." + ref.getFieldName() : "[" + ref.getIndex() + "]");
      }
      return sb.append(')').toString();
    }
    return "";
  }
}
