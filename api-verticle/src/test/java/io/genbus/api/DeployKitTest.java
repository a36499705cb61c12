package io.genbus.api;

import static io.genbus.api.DeployKit.DEPLOY;
import static io.genbus.api.DeployKit.ROOT;
import static io.genbus.api.DeployKit.composeEnv;
import static io.genbus.api.DeployKit.container;
import static io.genbus.api.DeployKit.containerPort;
import static io.genbus.api.DeployKit.option;
import static io.genbus.api.DeployKit.read;
import static io.genbus.api.DeployKit.strings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.hazelcast.config.Config;
import com.hazelcast.config.InMemoryXmlConfig;
import com.hazelcast.config.JoinConfig;
import io.genbus.api.DeployKit.Instruction;
import io.genbus.api.DeployKit.Probe;
import io.genbus.cluster.NodeArgs;
import io.genbus.config.ApiConfig;
import io.genbus.config.ConfigLoader;
import io.genbus.config.WorkerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The deployment kit ({@code deploy/}) cannot drift from genbus: its ports, probes, environment variables,
 * node options and stop timeouts are checked against genbus's own option list ({@link NodeArgs#USAGE}), its
 * config records and loader ({@link ConfigLoader}: defaults and {@code GENBUS_API_*} / {@code GENBUS_WORKER_*}
 * names), the Hazelcast file and the jars the build writes. No container engine or Kubernetes server is needed:
 * the files are parsed. {@link DeployKitClusterTest} checks the probe paths and the Grafana queries against
 * running nodes.
 */
@DisplayName("the deployment kit matches genbus's own options and defaults")
class DeployKitTest {

  /** Every node option genbus accepts, from its own usage text. */
  static final Set<String> FLAGS = matches(NodeArgs.USAGE, "(--[a-z][a-z-]*)");
  /** Every environment variable genbus reads. */
  static final Set<String> ENV = knownEnvironment();
  static final String ROLES = "api|worker";

  static Set<String> matches(String text, String regex) {
    Set<String> found = new TreeSet<>();
    Matcher m = Pattern.compile(regex).matcher(text);
    while (m.find()) {
      found.add(m.group(1));
    }
    return found;
  }

  private static Set<String> knownEnvironment() {
    Set<String> env = new TreeSet<>(matches(NodeArgs.USAGE, "env (GENBUS_[A-Z0-9_]+)"));
    configEnvironment("api", ApiConfig.class, env);
    configEnvironment("worker", WorkerConfig.class, env);
    try (InputStream logback = NodeArgs.class.getResourceAsStream("/logback.xml")) {
      env.addAll(matches(new String(logback.readAllBytes(), StandardCharsets.UTF_8), "\\$\\{(GENBUS_[A-Z0-9_]+)"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // What the entrypoint itself reads (JAVA_OPTS, GENBUS_HOME).
    env.addAll(matches(read(DEPLOY.resolve("genbus-node")), "\\$\\{([A-Z][A-Z0-9_]+)(?::-[^}]*)?}"));
    return env;
  }

  /** The names ConfigLoader reads for a section: api.queue.buffer → GENBUS_API_QUEUE_BUFFER; backends: file only. */
  private static void configEnvironment(String section, Class<?> type, Set<String> out) {
    for (RecordComponent component : type.getRecordComponents()) {
      if (component.getType().isRecord()) {
        configEnvironment(section + "_" + component.getName(), component.getType(), out);
      } else if (!component.getName().equals("backends")) {
        out.add(ConfigLoader.envName(section, component.getName()));
      }
    }
  }

  static void assertKnownFlags(String where, List<String> args) {
    for (String arg : args) {
      if (arg.startsWith("--")) {
        assertTrue(FLAGS.contains(arg), where + ": " + arg + " is not a genbus node option; NodeArgs.USAGE has " + FLAGS);
      }
    }
  }

  static void assertKnownEnvironment(String where, Iterable<String> names) {
    for (String name : names) {
      assertTrue(ENV.contains(name), where + ": genbus reads no environment variable " + name + "; it reads " + ENV);
    }
  }

  /** The config a node of {@code role} gets from {@code yaml} with {@code env} over it, through genbus's own loader. */
  static Record config(String role, String yaml, Map<String, String> env) {
    ConfigLoader loader = new ConfigLoader(env);
    return role.equals("api") ? loader.apiFromText(yaml) : loader.workerFromText(yaml);
  }

  static int drainSeconds(Record config) {
    return config instanceof ApiConfig api ? api.drainSeconds() : ((WorkerConfig) config).drainSeconds();
  }

  /**
   * The port of a node's health endpoints, reachable from other machines: the API port (health is served there
   * even with a separate ops listener; and an API without keys binds loopback only), or a worker's httpPort.
   */
  static int healthPort(Record config) {
    if (config instanceof ApiConfig api) {
      assertFalse(ApiConfig.isLoopback(api.bindHost()), "the API is reachable: keys set (or allowAnonymous), host "
          + api.host() + " binds " + api.bindHost());
      return api.port();
    }
    WorkerConfig worker = (WorkerConfig) config;
    assertNotNull(worker.httpPort(), "a worker's probes need worker.httpPort");
    assertFalse(ApiConfig.isLoopback(worker.httpHost()), "worker.httpHost must not be loopback for probes from outside");
    return worker.httpPort();
  }

  /** The port Prometheus scrapes: the API's ops listener when it has one, else the health port. */
  static int metricsPort(Record config) {
    if (config instanceof ApiConfig api && api.ops().separate()) {
      assertFalse(ApiConfig.isLoopback(api.ops().host()), "api.ops.host must not be loopback for a scraper");
      return api.ops().port();
    }
    return healthPort(config);
  }

  static long seconds(String duration) {
    Matcher m = Pattern.compile("(?:(\\d+)m)?(?:(\\d+)s)?").matcher(duration);
    assertTrue(m.matches() && !duration.isEmpty(), "a duration like 60s or 1m30s: " + duration);
    return Duration.ofMinutes(m.group(1) == null ? 0 : Long.parseLong(m.group(1)))
        .plusSeconds(m.group(2) == null ? 0 : Long.parseLong(m.group(2))).toSeconds();
  }

  /** The Hazelcast port of the repository's cluster.xml (what every node listens on first). */
  static int hazelcastPort() {
    return rootClusterXml().getNetworkConfig().getPort();
  }

  static Config rootClusterXml() {
    return hazelcastXml(read(ROOT.resolve("cluster.xml")));
  }

  private static final Map<String, Config> PARSED = new HashMap<>();

  /** A Hazelcast XML file through Hazelcast's own loader (schema-validated, about a second each: parsed once). */
  static synchronized Config hazelcastXml(String xml) {
    return PARSED.computeIfAbsent(xml, InMemoryXmlConfig::new);
  }

  /** Role → the fixed event-bus port compose gives it; every style of the kit uses the same (one firewall rule). */
  static Map<String, String> busPorts() {
    Map<String, String> ports = new HashMap<>();
    for (Compose.Node node : Compose.nodes()) {
      String port = option(node.command(), "--bus-port");
      assertEquals(ports.getOrDefault(node.role(), port), port, "one event-bus port per role");
      ports.put(node.role(), port);
    }
    return ports;
  }

  /** The file name the shade plugin gives a module's runnable jar. */
  static String jarName(String module) {
    Matcher m = Pattern.compile("<outputFile>\\$\\{project.build.directory}/([^<]+)</outputFile>")
        .matcher(read(ROOT.resolve(module).resolve("pom.xml")));
    assertTrue(m.find(), module + "/pom.xml names its jar");
    return m.group(1);
  }

  @Nested
  @DisplayName("JVM flags live in deploy/jvm.flags only")
  class JvmFlags {

    final Path flags = DEPLOY.resolve("jvm.flags");

    List<String> flagLines() {
      return read(flags).lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    }

    @Test
    @DisplayName("this test JVM got them from the file, through the pom's argLine")
    void surefireReadsTheFile() {
      List<String> jvm = ManagementFactory.getRuntimeMXBean().getInputArguments();
      for (String line : flagLines()) {
        assertTrue(jvm.contains(line.replaceFirst("^(--[a-z-]+) ", "$1=")), line + " reached the test JVM: " + jvm);
      }
      assertTrue(read(ROOT.resolve("pom.xml")).contains("<argLine>@${genbus.jvmFlags}"));
      assertTrue(read(ROOT.resolve("pom.xml")).contains("<genbus.jvmFlags>${project.basedir}/../deploy/jvm.flags</genbus.jvmFlags>"));
    }

    @Test
    @DisplayName("the launcher, bench/, the entrypoint and the image read the file; nobody keeps a copy")
    void everyoneReadsTheFile() throws IOException {
      assertTrue(read(ROOT.resolve("genbus")).contains("JVM_FLAGS=(\"@$ROOT/deploy/jvm.flags\")"), "the launcher");
      assertTrue(read(ROOT.resolve("bench/lib.sh")).contains("/deploy/jvm.flags\")"), "bench/lib.sh");
      assertTrue(read(DEPLOY.resolve("genbus-node")).contains("exec java \"@$GENBUS_HOME/jvm.flags\""), "the entrypoint");
      assertTrue(DeployKit.dockerfile().stream().anyMatch(i -> i.keyword().equals("COPY") && i.args().contains("deploy/jvm.flags")),
          "the image carries the file next to the entrypoint");
      String copy = flagLines().stream().filter(l -> l.startsWith("--add-opens")).findFirst().orElseThrow();
      List<Path> candidates = new ArrayList<>(List.of(ROOT.resolve("genbus"), ROOT.resolve("pom.xml"), ROOT.resolve(".ci/run")));
      for (String dir : List.of("bench", "deploy", "shared", "api-verticle", "worker-verticle")) {
        try (Stream<Path> files = Files.walk(ROOT.resolve(dir))) {
          files.filter(Files::isRegularFile)
              .filter(f -> !f.toString().contains("/target/") && !f.equals(flags))
              .filter(f -> f.getFileName().toString().matches(".*\\.(sh|xml|yaml|service|env)|Dockerfile|genbus-node"))
              .forEach(candidates::add);
        }
      }
      for (Path file : candidates) {
        assertFalse(read(file).contains(copy.split(" ")[1]), file + " keeps its own copy of the JVM flags (" + copy + ")");
      }
      // JVMs that tests start take the file too (java @FILE, from the genbus.jvmFlags property).
      String quoted = "\"" + flagLines().get(0) + "\"";
      for (String module : List.of("shared", "api-verticle", "worker-verticle")) {
        try (Stream<Path> files = Files.walk(ROOT.resolve(module).resolve("src/test"))) {
          files.filter(f -> f.toString().endsWith(".java"))
              .forEach(f -> assertFalse(read(f).contains(quoted), f + " starts a JVM with its own flags: use @genbus.jvmFlags"));
        }
      }
    }
  }

  @Nested
  @DisplayName("Dockerfile")
  class Dockerfile {

    final List<Instruction> instructions = DeployKit.dockerfile();

    List<Instruction> all(String keyword) {
      return instructions.stream().filter(i -> i.keyword().equals(keyword)).toList();
    }

    /** The instructions of the last stage (the image that runs). */
    List<Instruction> runtime() {
      int last = 0;
      for (int i = 0; i < instructions.size(); i++) {
        if (instructions.get(i).keyword().equals("FROM")) {
          last = i;
        }
      }
      return instructions.subList(last, instructions.size());
    }

    @Test
    @DisplayName("builds with Maven on JDK 17 and runs on a JRE 17 only, as a non-root user")
    void stages() {
      List<Instruction> from = all("FROM");
      assertTrue(from.size() >= 2, "multi-stage");
      assertTrue(from.get(0).args().matches("maven:\\S*-17\\S* AS build"), from.get(0).args());
      String runtime = from.get(from.size() - 1).args();
      assertTrue(runtime.matches("\\S*:17-jre\\S*"), "a JRE 17 image: " + runtime);
      assertTrue(runtime().stream().noneMatch(i -> i.args().contains("mvn")), "no build tool in the runtime stage");
      List<Instruction> user = runtime().stream().filter(i -> i.keyword().equals("USER")).toList();
      assertEquals(1, user.size(), "the runtime stage sets its user");
      assertFalse(user.get(0).args().matches("(root|0)(:.*)?"), "non-root: " + user.get(0).args());
    }

    @Test
    @DisplayName("one image for both roles: the entrypoint runs the jar the build wrote for the role in the command")
    void roles() {
      String copied = runtime().stream().filter(i -> i.keyword().equals("COPY")).map(Instruction::args)
          .reduce("", (a, b) -> a + " " + b);
      for (String module : List.of("api-verticle", "worker-verticle")) {
        assertTrue(copied.contains(module + "/target/" + jarName(module)), "the image takes " + jarName(module));
      }
      assertTrue(read(DEPLOY.resolve("genbus-node")).contains("-jar \"$GENBUS_HOME/genbus-$role.jar\""));
      assertEquals(List.of("genbus-api.jar", "genbus-worker.jar"), List.of(jarName("api-verticle"), jarName("worker-verticle")),
          "genbus-node finds the jars as genbus-<role>.jar");
      Map<String, String> env = env();
      String entrypoint = all("ENTRYPOINT").get(0).args();
      assertEquals("[\"" + env.get("GENBUS_HOME") + "/genbus-node\"]", entrypoint, "the entrypoint lives in GENBUS_HOME");
      assertTrue(all("CMD").get(0).args().matches("\\[\"(" + ROLES + ")\"]"), "the default command is a role");
    }

    Map<String, String> env() {
      Map<String, String> env = new LinkedHashMap<>();
      for (Instruction i : all("ENV")) {
        Matcher m = Pattern.compile("([A-Z_][A-Z0-9_]*)=(\"[^\"]*\"|\\S+)").matcher(i.args());
        while (m.find()) {
          env.put(m.group(1), m.group(2).replace("\"", ""));
        }
      }
      return env;
    }

    @Test
    @DisplayName("its environment is genbus's, and it exposes genbus's ports")
    void environmentAndPorts() {
      assertKnownEnvironment("Dockerfile ENV", env().keySet());
      Set<String> exposed = new TreeSet<>(List.of(all("EXPOSE").get(0).args().split("\\s+")));
      Set<String> used = new TreeSet<>();
      used.add(String.valueOf(ApiConfig.defaults().port()));
      used.add(String.valueOf(hazelcastPort()));
      Compose.nodes().forEach(n -> {
        used.add(String.valueOf(healthPort(n.config())));
        used.add(String.valueOf(metricsPort(n.config())));
        used.add(option(n.command(), "--bus-port"));
      });
      assertEquals(used, exposed, "EXPOSE lists the ports genbus listens on in the kit");
    }
  }

  @Nested
  @DisplayName("compose.yaml")
  class Compose {

    /** A compose service, its command, environment and the config genbus builds from them. */
    record Node(String name, JsonNode service, List<String> command, Map<String, String> env, Record config) {
      String role() {
        return command.get(0);
      }
    }

    /** Each service as genbus would see it; the mounted config file is read from its place beside compose.yaml. */
    static List<Node> nodes() {
      List<Node> nodes = new ArrayList<>();
      DeployKit.compose().path("services").fields().forEachRemaining(e -> {
        JsonNode service = e.getValue();
        List<String> command = strings(service.path("command"));
        Map<String, String> env = new HashMap<>(composeEnv(service));
        env.replaceAll((k, v) -> v.startsWith("${") ? "interpolated-by-compose" : v);
        String config = option(command, "--config");
        assertNotNull(config, e.getKey() + " is given --config");
        Path file = mountedFrom(service, config);
        nodes.add(new Node(e.getKey(), service, command, env, DeployKitTest.config(command.get(0), read(file), env)));
      });
      return nodes;
    }

    /** The host file behind a path inside the container (a bind mount, read-only). */
    static Path mountedFrom(JsonNode service, String target) {
      for (String volume : strings(service.path("volumes"))) {
        String[] parts = volume.split(":");
        if (parts[1].equals(target)) {
          assertEquals("ro", parts.length > 2 ? parts[2] : "", volume + " is mounted read-only");
          Path file = DEPLOY.resolve(parts[0]).normalize();
          assertTrue(Files.isRegularFile(file), volume + ": " + file + " exists in the repository");
          return file;
        }
      }
      return fail("nothing is mounted at " + target);
    }

    @Test
    @DisplayName("one API node and two workers from the one image built by deploy/Dockerfile")
    void services() {
      List<Node> nodes = nodes();
      assertEquals(List.of("api", "worker", "worker"), nodes.stream().map(Node::role).sorted().toList());
      for (Node node : nodes) {
        assertEquals("deploy/Dockerfile", node.service().path("build").path("dockerfile").asText());
        assertEquals(ROOT, DEPLOY.resolve(node.service().path("build").path("context").asText()).normalize(),
            "the build context is the repository root");
        assertEquals(nodes.get(0).service().path("image"), node.service().path("image"), "one image");
      }
    }

    @Test
    @DisplayName("options and environment are genbus's; each node binds its own address and lists every node")
    void optionsAndEnvironment() {
      List<Node> nodes = nodes();
      List<String> addresses = nodes.stream()
          .map(n -> n.service().path("networks").path("genbus").path("ipv4_address").asText()).toList();
      for (Node node : nodes) {
        assertKnownFlags("compose " + node.name(), node.command());
        assertKnownEnvironment("compose " + node.name(), node.env().keySet());
        assertTrue(node.role().matches(ROLES), node.role());
        String host = node.service().path("networks").path("genbus").path("ipv4_address").asText();
        assertEquals(host, node.env().get("GENBUS_CLUSTER_HOST"), node.name() + " binds its own address");
        assertEquals(addresses, List.of(node.env().get("GENBUS_CLUSTER_MEMBERS").split(",")), node.name() + " lists every node");
        assertNotNull(option(node.command(), "--bus-port"), node.name() + ": a fixed event-bus port");
      }
    }

    @Test
    @DisplayName("the cluster TLS material is mounted read-only where the nodes look for it")
    void tls() {
      for (Node node : nodes()) {
        String dir = node.env().getOrDefault("GENBUS_CLUSTER_TLS_DIR", option(node.command(), "--tls"));
        assertNotNull(dir, node.name() + " runs the cluster with TLS");
        assertTrue(strings(node.service().path("volumes")).contains("./certs:" + dir + ":ro"),
            node.name() + " mounts ./certs (./genbus certs) read-only at " + dir);
      }
    }

    @Test
    @DisplayName("ports and health checks are the configured ones; stopping waits longer than the drain")
    void portsHealthAndStop() {
      for (Node node : nodes()) {
        int port = healthPort(node.config());
        List<Probe> probes = DeployKit.probes().stream().filter(p -> p.where().equals("compose " + node.name())).toList();
        assertEquals(1, probes.size());
        assertEquals(port, probes.get(0).port(), node.name() + ": the health check asks the node's own port");
        assertTrue(seconds(node.service().path("stop_grace_period").asText()) > drainSeconds(node.config()),
            node.name() + ": stop_grace_period above drainSeconds " + drainSeconds(node.config()));
        assertEquals("SIGTERM", node.service().path("stop_signal").asText("SIGTERM"));
        if (node.role().equals("api")) {
          assertEquals(List.of(port + ":" + port), strings(node.service().path("ports")), "the API port is published");
        } else {
          assertTrue(node.service().path("ports").isMissingNode(), "workers publish nothing");
        }
      }
    }
  }

  @Nested
  @DisplayName("deploy/k8s")
  class Kubernetes {

    final List<JsonNode> objects = DeployKit.kubernetes();
    final String namespace = DeployKit.kubernetes("Namespace").get(0).path("metadata").path("name").asText();

    @Test
    @DisplayName("the kustomization lists every manifest, all in genbus's namespace")
    void everyFile() throws IOException {
      Set<String> listed = new TreeSet<>(strings(DeployKit.yamlDocuments(DEPLOY.resolve("k8s/kustomization.yaml")).get(0)
          .path("resources")));
      try (Stream<Path> files = Files.list(DEPLOY.resolve("k8s"))) {
        assertEquals(files.map(f -> f.getFileName().toString()).filter(f -> !f.equals("kustomization.yaml"))
            .collect(TreeSet::new, Set::add, Set::addAll), listed);
      }
      for (JsonNode o : objects) {
        if (!o.path("kind").asText().equals("Namespace")) {
          assertEquals(namespace, o.path("metadata").path("namespace").asText(), o.path("metadata").path("name").asText());
        }
      }
    }

    /** The text of a file a container reads at {@code path}, from the ConfigMap mounted over its directory. */
    String configMapFile(JsonNode deployment, String path) {
      JsonNode container = container(deployment);
      for (JsonNode mount : container.path("volumeMounts")) {
        String dir = mount.path("mountPath").asText();
        if (path.startsWith(dir + "/")) {
          JsonNode volume = volume(deployment, mount.path("name").asText());
          String configMap = volume.path("configMap").path("name").asText();
          JsonNode data = DeployKit.kubernetes("ConfigMap", configMap).path("data").path(path.substring(dir.length() + 1));
          assertTrue(data.isTextual(), "ConfigMap " + configMap + " holds " + path);
          return data.asText();
        }
      }
      return fail("nothing is mounted over " + path);
    }

    JsonNode volume(JsonNode deployment, String name) {
      for (JsonNode v : deployment.path("spec").path("template").path("spec").path("volumes")) {
        if (v.path("name").asText().equals(name)) {
          return v;
        }
      }
      return fail("no volume " + name);
    }

    /** The container's environment for genbus's loader; values from Secrets or the pod stand in as placeholders. */
    Map<String, String> env(JsonNode container) {
      Map<String, String> env = new LinkedHashMap<>();
      container.path("env").forEach(e -> env.put(e.path("name").asText(),
          e.has("value") ? e.path("value").asText() : "from-" + e.path("valueFrom").fieldNames().next()));
      return env;
    }

    Record config(JsonNode deployment) {
      List<String> args = strings(container(deployment).path("args"));
      return DeployKitTest.config(args.get(0), configMapFile(deployment, option(args, "--config")), env(container(deployment)));
    }

    @Test
    @DisplayName("API and worker Deployments: genbus's options and environment, one image, pod IP as the cluster address")
    void deployments() {
      List<JsonNode> deployments = DeployKit.kubernetes("Deployment");
      assertEquals(List.of("api", "worker"), deployments.stream()
          .map(d -> container(d).path("args").get(0).asText()).sorted().toList());
      for (JsonNode deployment : deployments) {
        String name = "k8s " + deployment.path("metadata").path("name").asText();
        JsonNode container = container(deployment);
        List<String> args = strings(container.path("args"));
        assertKnownFlags(name, args);
        Map<String, String> env = env(container);
        assertKnownEnvironment(name, env.keySet());
        JsonNode host = null;
        for (JsonNode e : container.path("env")) {
          if (e.path("name").asText().equals("GENBUS_CLUSTER_HOST")) {
            host = e;
          }
        }
        assertNotNull(host, name + " sets GENBUS_CLUSTER_HOST");
        assertEquals("status.podIP", host.path("valueFrom").path("fieldRef").path("fieldPath").asText(),
            name + ": a node binds and announces its pod IP");
        assertEquals(container(deployments.get(0)).path("image"), container.path("image"), "one image");
        JsonNode matchLabels = deployment.path("spec").path("selector").path("matchLabels");
        matchLabels.fields().forEachRemaining(l -> assertEquals(l.getValue(),
            deployment.path("spec").path("template").path("metadata").path("labels").path(l.getKey()), name + " selects its pods"));
        JsonNode security = deployment.path("spec").path("template").path("spec").path("securityContext");
        assertTrue(security.path("runAsNonRoot").asBoolean(), name + ": non-root");
        String user = DeployKit.dockerfile().stream().filter(i -> i.keyword().equals("USER")).reduce((a, b) -> b)
            .orElseThrow().args().split(":")[0];
        assertEquals(user, security.path("runAsUser").asText(), name + ": the image's user");
        assertEquals(String.valueOf(hazelcastPort()), String.valueOf(containerPort(container, textNode("hazelcast"))));
        assertEquals(option(args, "--bus-port"), String.valueOf(containerPort(container, textNode("bus"))),
            name + ": the event-bus port is declared");
        assertEquals(busPorts().get(args.get(0)), option(args, "--bus-port"), name + ": the same event-bus port as compose");
      }
    }

    JsonNode textNode(String text) {
      return com.fasterxml.jackson.databind.node.TextNode.valueOf(text);
    }

    @Test
    @DisplayName("probes on /health/*, on the port genbus serves them (worker.httpPort set); grace above the drain")
    void probesAndGrace() {
      for (JsonNode deployment : DeployKit.kubernetes("Deployment")) {
        String name = deployment.path("metadata").path("name").asText();
        JsonNode container = container(deployment);
        Record config = config(deployment);
        int port = healthPort(config);
        assertEquals(port, containerPort(container, textNode("http")), name + ": the http port is the configured one");
        List<Probe> probes = DeployKit.probes().stream().filter(p -> p.where().startsWith("k8s " + name + " ")).toList();
        assertEquals(3, probes.size(), name + ": startup, readiness and liveness probes");
        probes.forEach(p -> assertEquals(port, p.port(), p.where()));
        assertEquals(probes.stream().filter(p -> p.where().endsWith("livenessProbe")).findFirst().orElseThrow().path(),
            probes.stream().filter(p -> p.where().endsWith("startupProbe")).findFirst().orElseThrow().path(),
            name + ": started = alive");
        assertEquals(String.valueOf(metricsPort(config)), deployment.path("spec").path("template").path("metadata")
            .path("annotations").path("prometheus.io/port").asText(), name + ": Prometheus scrapes the port with /metrics");
        long preStop = 0;
        List<String> hook = strings(container.path("lifecycle").path("preStop").path("exec").path("command"));
        if (!hook.isEmpty()) {
          assertEquals("sleep", hook.get(0));
          preStop = Long.parseLong(hook.get(1));
        }
        int grace = deployment.path("spec").path("template").path("spec").path("terminationGracePeriodSeconds").asInt();
        assertTrue(grace > preStop + drainSeconds(config),
            name + ": terminationGracePeriodSeconds " + grace + " above preStop " + preStop + " + drainSeconds " + drainSeconds(config));
      }
    }

    @Test
    @DisplayName("certificates come from a Secret mounted read-only at the TLS directory")
    void tls() {
      for (JsonNode deployment : DeployKit.kubernetes("Deployment")) {
        JsonNode container = container(deployment);
        String dir = env(container).getOrDefault("GENBUS_CLUSTER_TLS_DIR", option(strings(container.path("args")), "--tls"));
        assertNotNull(dir, "the cluster runs with TLS");
        JsonNode mount = null;
        for (JsonNode m : container.path("volumeMounts")) {
          if (m.path("mountPath").asText().equals(dir)) {
            mount = m;
          }
        }
        assertNotNull(mount, "something is mounted at " + dir);
        assertTrue(mount.path("readOnly").asBoolean());
        assertTrue(volume(deployment, mount.path("name").asText()).path("secret").has("secretName"), dir + " is a Secret");
      }
    }

    @Test
    @DisplayName("Hazelcast finds members through the headless Service; cluster.xml otherwise as the repository's")
    void discovery() {
      JsonNode headless = DeployKit.kubernetes("Service").stream()
          .filter(s -> s.path("spec").path("clusterIP").asText().equals("None")).findFirst().orElseThrow();
      assertTrue(headless.path("spec").path("publishNotReadyAddresses").asBoolean(),
          "nodes find each other before they are ready (an API node is ready only once it knows a worker)");
      for (JsonNode deployment : DeployKit.kubernetes("Deployment")) {
        assertTrue(selects(headless.path("spec").path("selector"), deployment), "the headless Service lists "
            + deployment.path("metadata").path("name").asText());
        JsonNode port = headless.path("spec").path("ports").get(0);
        assertEquals(hazelcastPort(), containerPort(container(deployment), port.path("targetPort")));
        Config xml = hazelcastXml(configMapFile(deployment, option(strings(container(deployment).path("args")), "--cluster")));
        JoinConfig join = xml.getNetworkConfig().getJoin();
        assertTrue(join.getKubernetesConfig().isEnabled());
        assertFalse(join.getTcpIpConfig().isEnabled() || join.getMulticastConfig().isEnabled() || join.isAutoDetectionEnabled());
        assertEquals(headless.path("metadata").path("name").asText() + "." + namespace + ".svc.cluster.local",
            join.getKubernetesConfig().getProperty("service-dns"));
        assertEquals(String.valueOf(port.path("port").asInt()), join.getKubernetesConfig().getProperty("service-port"));
        assertEquals(hazelcastPort(), xml.getNetworkConfig().getPort());
        String text = configMapFile(deployment, option(strings(container(deployment).path("args")), "--cluster"));
        assertEquals(outsideNetwork(read(ROOT.resolve("cluster.xml"))), outsideNetwork(text),
            "the Kubernetes cluster.xml is the repository's but for <network>: copy what changed there");
      }
    }

    /** A Hazelcast XML file without comments, its {@code <network>} element and layout: what must not differ. */
    String outsideNetwork(String xml) {
      return xml.replaceAll("(?s)<!--.*?-->", "").replaceAll("(?s)<network>.*</network>", "<network/>")
          .replaceAll("\\s+", " ").strip();
    }

    boolean selects(JsonNode selector, JsonNode deployment) {
      JsonNode labels = deployment.path("spec").path("template").path("metadata").path("labels");
      JsonNode match = selector.has("matchLabels") ? selector.path("matchLabels") : selector;
      List<Boolean> all = new ArrayList<>();
      match.fields().forEachRemaining(e -> all.add(e.getValue().equals(labels.path(e.getKey()))));
      return !all.isEmpty() && !all.contains(false);
    }

    @Test
    @DisplayName("the API Service and one PodDisruptionBudget per Deployment select the right pods")
    void servicesAndBudgets() {
      JsonNode api = DeployKit.kubernetes("Deployment").stream()
          .filter(d -> container(d).path("args").get(0).asText().equals("api")).findFirst().orElseThrow();
      JsonNode apiService = DeployKit.kubernetes("Service").stream()
          .filter(s -> !s.path("spec").path("clusterIP").asText().equals("None")).findFirst().orElseThrow();
      for (JsonNode deployment : DeployKit.kubernetes("Deployment")) {
        assertEquals(deployment.equals(api), selects(apiService.path("spec").path("selector"), deployment));
        List<JsonNode> budgets = DeployKit.kubernetes("PodDisruptionBudget").stream()
            .filter(b -> selects(b.path("spec").path("selector"), deployment)).toList();
        assertEquals(1, budgets.size(), "one budget for " + deployment.path("metadata").path("name").asText());
        JsonNode spec = budgets.get(0).path("spec");
        int replicas = deployment.path("spec").path("replicas").asInt();
        assertTrue(spec.has("maxUnavailable") ? spec.path("maxUnavailable").asInt() >= 1 && spec.path("maxUnavailable").asInt() < replicas
            : spec.path("minAvailable").asInt() >= 1 && spec.path("minAvailable").asInt() < replicas,
            "a budget that lets a node drain but keeps one serving: " + spec);
      }
      JsonNode port = apiService.path("spec").path("ports").get(0);
      assertEquals(healthPort(config(api)), containerPort(container(api), port.path("targetPort")),
          "the API Service sends to the API port");
    }
  }

  @Nested
  @DisplayName("systemd")
  class Systemd {

    final Path dir = DEPLOY.resolve("systemd");
    final Map<String, List<String>> unit = DeployKit.unit(dir.resolve("genbus@.service"));

    String one(String key) {
      List<String> values = unit.get(key);
      assertNotNull(values, key + " is set");
      return values.get(values.size() - 1);
    }

    /** The environment a node of {@code role} gets: the unit's EnvironmentFile= in order, later ones winning. */
    Map<String, String> env(String role) {
      Map<String, String> env = new LinkedHashMap<>();
      for (String file : unit.get("EnvironmentFile")) {
        Path example = dir.resolve(Path.of(file.replace("%i", role).replaceFirst("^-", "")).getFileName());
        assertTrue(Files.isRegularFile(example), "deploy/systemd has an example of " + file);
        env.putAll(DeployKit.envFile(example));
      }
      return env;
    }

    @Test
    @DisplayName("the instance is the role; options, environment and the config are genbus's")
    void execStart() {
      List<String> exec = List.of(one("ExecStart").split("\\s+"));
      assertEquals("/opt/genbus/genbus-node", exec.get(0), "runs the entrypoint, which reads jvm.flags");
      assertEquals("%i", exec.get(1), "the instance name is the role");
      assertKnownFlags("genbus@.service", exec);
      assertEquals("/etc/genbus/genbus.yaml", option(exec, "--config"));
      for (String role : ROLES.split("\\|")) {
        assertKnownEnvironment("systemd " + role, env(role).keySet());
        assertNotNull(env(role).get("GENBUS_CLUSTER_TLS_DIR"), role + " runs the cluster with TLS");
        assertNotNull(env(role).get("GENBUS_CLUSTER_BUS_PORT"), role + ": a fixed event-bus port");
        healthPort(config(role, read(DEPLOY.resolve("genbus.yaml")), env(role)));
      }
      for (String role : ROLES.split("\\|")) {
        assertEquals(busPorts().get(role), env(role).get("GENBUS_CLUSTER_BUS_PORT"),
            role + ": the event-bus port of compose and Kubernetes, so one firewall rule fits all");
      }
    }

    @Test
    @DisplayName("SIGTERM drains within TimeoutStopSec; hardened")
    void stopAndHardening() {
      assertEquals("SIGTERM", one("KillSignal"));
      long timeout = seconds(one("TimeoutStopSec").replaceAll("^(\\d+)$", "$1s"));
      for (String role : ROLES.split("\\|")) {
        Record config = config(role, read(DEPLOY.resolve("genbus.yaml")), env(role));
        assertTrue(timeout > drainSeconds(config), role + ": TimeoutStopSec above drainSeconds " + drainSeconds(config));
      }
      for (String setting : List.of("NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes",
          "PrivateDevices=yes", "CapabilityBoundingSet=", "RestrictSUIDSGID=yes", "User=genbus")) {
        String[] kv = setting.split("=", 2);
        assertEquals(kv[1], one(kv[0]), setting);
      }
      assertFalse(unit.containsKey("MemoryDenyWriteExecute"), "the JIT writes code");
    }
  }

  @Test
  @DisplayName("deploy/genbus.yaml is a valid genbus config whose worker serves its probes")
  void exampleConfig() {
    String yaml = read(DEPLOY.resolve("genbus.yaml"));
    assertEquals(ApiConfig.defaults().port(), new ConfigLoader(Map.of()).apiFromText(yaml).port());
    assertNotNull(new ConfigLoader(Map.of()).workerFromText(yaml).httpPort(), "worker.httpPort is set");
  }
}
