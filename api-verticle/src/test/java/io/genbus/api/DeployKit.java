package io.genbus.api;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.Yaml;

/**
 * The files of the deployment kit ({@code deploy/}), parsed: what {@link DeployKitTest} checks against genbus's
 * own options and defaults and {@link DeployKitClusterTest} against running nodes. YAML is read with SnakeYAML
 * (the parser under Jackson's YAML module) because compose files use anchors and merge keys, which Jackson's
 * tree reader does not resolve.
 */
final class DeployKit {

  static final Path ROOT = root();
  static final Path DEPLOY = ROOT.resolve("deploy");
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A health check a deploy file points at a node of {@code role}: HTTP GET {@code path} on {@code port}. */
  record Probe(String where, String role, int port, String path) {
  }

  /** One instruction of a Dockerfile, continuation lines joined. */
  record Instruction(String keyword, String args) {
  }

  private DeployKit() {
  }

  private static Path root() {
    Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
    while (dir != null && !(Files.isDirectory(dir.resolve("deploy")) && Files.isRegularFile(dir.resolve("pom.xml")))) {
      dir = dir.getParent();
    }
    assertNotNull(dir, "the repository root (with deploy/) above " + System.getProperty("user.dir"));
    return dir;
  }

  static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every document of a YAML file, anchors and merge keys resolved. */
  static List<JsonNode> yamlDocuments(Path file) {
    List<JsonNode> docs = new ArrayList<>();
    for (Object doc : new Yaml().loadAll(read(file))) {
      if (doc != null) {
        docs.add(JSON.valueToTree(doc));
      }
    }
    return docs;
  }

  static JsonNode compose() {
    return yamlDocuments(DEPLOY.resolve("compose.yaml")).get(0);
  }

  /** The Kubernetes objects the kustomization lists, in its order. */
  static List<JsonNode> kubernetes() {
    Path dir = DEPLOY.resolve("k8s");
    List<JsonNode> objects = new ArrayList<>();
    for (JsonNode resource : yamlDocuments(dir.resolve("kustomization.yaml")).get(0).path("resources")) {
      objects.addAll(yamlDocuments(dir.resolve(resource.asText())));
    }
    return objects;
  }

  static List<JsonNode> kubernetes(String kind) {
    return kubernetes().stream().filter(o -> o.path("kind").asText().equals(kind)).toList();
  }

  static JsonNode kubernetes(String kind, String name) {
    return kubernetes(kind).stream().filter(o -> o.path("metadata").path("name").asText().equals(name)).findFirst()
        .orElseGet(() -> fail("no " + kind + " " + name + " in deploy/k8s"));
  }

  /** A Dockerfile's instructions, comments dropped and continuation lines joined. */
  static List<Instruction> dockerfile() {
    List<Instruction> instructions = new ArrayList<>();
    StringBuilder line = new StringBuilder();
    for (String raw : read(DEPLOY.resolve("Dockerfile")).split("\n")) {
      String text = raw.strip();
      if (text.startsWith("#") || (text.isEmpty() && line.isEmpty())) {
        continue;
      }
      if (text.endsWith("\\")) {
        line.append(text, 0, text.length() - 1).append(' ');
        continue;
      }
      line.append(text);
      String[] parts = line.toString().strip().split("\\s+", 2);
      instructions.add(new Instruction(parts[0].toUpperCase(), parts.length > 1 ? parts[1] : ""));
      line.setLength(0);
    }
    return instructions;
  }

  /** The {@code KEY=VALUE} lines of an environment file (systemd's EnvironmentFile=, compose's .env). */
  static Map<String, String> envFile(Path file) {
    Map<String, String> env = new LinkedHashMap<>();
    for (String line : read(file).split("\n")) {
      String text = line.strip();
      if (!text.isEmpty() && !text.startsWith("#")) {
        int eq = text.indexOf('=');
        assertTrue(eq > 0, file + ": not KEY=VALUE: " + text);
        env.put(text.substring(0, eq), text.substring(eq + 1));
      }
    }
    return env;
  }

  /** A systemd unit's settings: key → values in order (a key may repeat). */
  static Map<String, List<String>> unit(Path file) {
    Map<String, List<String>> settings = new LinkedHashMap<>();
    for (String line : read(file).split("\n")) {
      String text = line.strip();
      if (text.isEmpty() || text.startsWith("#") || text.startsWith(";") || text.startsWith("[")) {
        continue;
      }
      int eq = text.indexOf('=');
      assertTrue(eq > 0, file + ": not Key=Value: " + text);
      settings.computeIfAbsent(text.substring(0, eq), k -> new ArrayList<>()).add(text.substring(eq + 1));
    }
    return settings;
  }

  /** A compose service's environment, as a map whichever way it is written (map or KEY=VALUE list). */
  static Map<String, String> composeEnv(JsonNode service) {
    Map<String, String> env = new LinkedHashMap<>();
    JsonNode environment = service.path("environment");
    if (environment.isArray()) {
      environment.forEach(e -> {
        String[] kv = e.asText().split("=", 2);
        env.put(kv[0], kv.length > 1 ? kv[1] : "");
      });
    } else {
      environment.fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
    }
    return env;
  }

  static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  /** The value after {@code flag} in a command line, or null. */
  static String option(List<String> args, String flag) {
    int i = args.indexOf(flag);
    return i < 0 || i + 1 >= args.size() ? null : args.get(i + 1);
  }

  /** The container of a Deployment (genbus's pods have one). */
  static JsonNode container(JsonNode deployment) {
    JsonNode containers = deployment.path("spec").path("template").path("spec").path("containers");
    assertTrue(containers.size() == 1, deployment.path("metadata").path("name") + ": one container");
    return containers.get(0);
  }

  /** A container port by its name or number. */
  static int containerPort(JsonNode container, JsonNode port) {
    if (port.isInt()) {
      return port.asInt();
    }
    for (JsonNode p : container.path("ports")) {
      if (p.path("name").asText().equals(port.asText())) {
        return p.path("containerPort").asInt();
      }
    }
    return fail("no container port named " + port.asText());
  }

  /** Every health check in compose.yaml and deploy/k8s, with the role of the node it targets. */
  static List<Probe> probes() {
    List<Probe> probes = new ArrayList<>();
    compose().path("services").fields().forEachRemaining(e -> {
      List<String> test = strings(e.getValue().path("healthcheck").path("test"));
      int probe = test.indexOf("probe");
      assertTrue(probe > 0 && test.size() == probe + 3, "compose " + e.getKey() + ": healthcheck is genbus-node probe PORT PATH");
      probes.add(new Probe("compose " + e.getKey(), e.getValue().path("command").get(0).asText(),
          Integer.parseInt(test.get(probe + 1)), test.get(probe + 2)));
    });
    for (JsonNode deployment : kubernetes("Deployment")) {
      JsonNode container = container(deployment);
      for (String kind : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
        JsonNode get = container.path(kind).path("httpGet");
        if (!get.isMissingNode()) {
          probes.add(new Probe("k8s " + deployment.path("metadata").path("name").asText() + " " + kind,
              container.path("args").get(0).asText(), containerPort(container, get.path("port")), get.path("path").asText()));
        }
      }
    }
    return probes;
  }

  static JsonNode grafana() {
    try {
      return JSON.readTree(DEPLOY.resolve("grafana/genbus.json").toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every PromQL expression of the Grafana dashboard: panel targets and query variables. */
  static List<String> grafanaQueries() {
    List<String> queries = new ArrayList<>();
    JsonNode dashboard = grafana();
    dashboard.path("panels").forEach(p -> p.path("targets").forEach(t -> queries.add(t.path("expr").asText())));
    dashboard.path("templating").path("list").forEach(v -> {
      if (v.path("type").asText().equals("query")) {
        JsonNode query = v.path("query");
        queries.add(query.isObject() ? query.path("query").asText() : query.asText());
      }
    });
    queries.removeIf(String::isBlank);
    return queries;
  }

  /** One selector or grouping in a PromQL expression: the metric names and the label names it uses. */
  record PromQl(List<String> metrics, List<String> labels) {
  }

  private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"");
  private static final Pattern MATCHERS = Pattern.compile("\\{([^}]*)}");
  private static final Pattern GROUPING = Pattern.compile("\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\(([^)]*)\\)");
  private static final Pattern RANGE = Pattern.compile("\\[[^]]*]");
  private static final Pattern IDENT = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

  /**
   * The metric names and label names of a PromQL expression (or a Grafana {@code label_values(metric, label)}),
   * enough for genbus's dashboard: strings, ranges and groupings are taken out; what remains that is not a
   * function call is a metric name.
   */
  static PromQl parse(String expr) {
    List<String> labels = new ArrayList<>();
    Matcher labelValues = Pattern.compile("label_values\\(\\s*([^,\\s]+)\\s*,\\s*([^)\\s]+)\\s*\\)").matcher(expr);
    if (labelValues.matches()) {
      String metric = labelValues.group(1).replaceAll("\\{.*", "");
      return new PromQl(List.of(metric), List.of(labelValues.group(2)));
    }
    String rest = STRING.matcher(expr).replaceAll("\"\"");
    Matcher m = MATCHERS.matcher(rest);
    while (m.find()) {
      for (String matcher : m.group(1).split(",")) {
        if (!matcher.isBlank()) {
          labels.add(matcher.strip().split("\\s*(=~|!~|!=|=)")[0].strip());
        }
      }
    }
    rest = MATCHERS.matcher(rest).replaceAll(" ");
    m = GROUPING.matcher(rest);
    while (m.find()) {
      for (String label : m.group(1).split(",")) {
        if (!label.isBlank()) {
          labels.add(label.strip());
        }
      }
    }
    rest = RANGE.matcher(GROUPING.matcher(rest).replaceAll(" ")).replaceAll(" ");
    List<String> metrics = new ArrayList<>();
    m = IDENT.matcher(rest);
    while (m.find()) {
      String after = rest.substring(m.end()).stripLeading();
      boolean call = after.startsWith("(");
      boolean number = m.start() > 0 && Character.isDigit(rest.charAt(m.start() - 1));
      if (!call && !number && !List.of("bool", "and", "or", "unless", "offset").contains(m.group())) {
        metrics.add(m.group());
      }
    }
    return new PromQl(metrics.stream().distinct().toList(), labels.stream().filter(Objects::nonNull).distinct().toList());
  }
}
