package io.genbus.examples;

import io.genbus.client.GenbusClient;
import io.genbus.client.GenbusException;
import io.genbus.client.GenbusRequest;
import io.genbus.client.GenbusResult;
import io.genbus.cluster.ClusterNode;
import io.genbus.cluster.CommonPool;
import io.genbus.cluster.NodeArgs;
import io.vertx.core.Future;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * An application of its own that joins a genbus cluster (with a node's flags: {@code --members}, {@code --tls},
 * …), asks for an image over the event bus with {@link GenbusClient}, and writes it to a file:
 *
 * <pre>
 * GENBUS_API_KEY=sk-… java -jar genbus-image-to-file.jar --model local-image --prompt "a lighthouse" \
 *     --out lighthouse.png [--input photo.jpg] --members 10.0.0.5:5701 --tls /etc/genbus/tls
 * </pre>
 *
 * Exit code 0 when the file is written, 1 when genbus refused or the job failed, 2 for a bad command line.
 */
public final class ImageToFile {

  static {
    CommonPool.atLeastTwoThreads(); // before the first logger (see CommonPool): a cluster member on 2 cores
  }

  static final String USAGE = """
      usage: image-to-file --model MODEL --prompt TEXT --out FILE [--input IMAGE] [--key KEY] [node options]
        --key KEY      the API key (default: env GENBUS_API_KEY; none for a genbus without keys)
        --input IMAGE  an input image (png or jpeg): image-to-image
      """ + NodeArgs.USAGE;
  private static final long JOB_PATIENCE_SECONDS = 600;

  private ImageToFile() {
  }

  public static void main(String[] args) {
    System.exit(run(args, System.getenv()));
  }

  /** What {@code main} does, without leaving the JVM: the exit code. */
  public static int run(String[] args, Map<String, String> env) {
    Map<String, String> own = new HashMap<>();
    List<String> nodeFlags = new ArrayList<>();
    NodeArgs nodeArgs;
    GenbusRequest request;
    try {
      for (int i = 0; i < args.length; i++) {
        if (List.of("--model", "--prompt", "--out", "--input", "--key").contains(args[i])) {
          if (i + 1 >= args.length) {
            throw new IllegalArgumentException("missing value after " + args[i]);
          }
          own.put(args[i], args[++i]);
        } else {
          nodeFlags.add(args[i]);
        }
      }
      for (String required : List.of("--model", "--prompt", "--out")) {
        if (!own.containsKey(required)) {
          throw new IllegalArgumentException("missing " + required);
        }
      }
      nodeArgs = NodeArgs.parse(nodeFlags.toArray(String[]::new), env);
      request = GenbusRequest.chat(own.get("--model"), own.get("--prompt"));
      if (own.containsKey("--input")) {
        Path input = Path.of(own.get("--input"));
        request = request.withImage(input.toString().toLowerCase(Locale.ROOT).endsWith(".png") ? "image/png" : "image/jpeg",
            Files.readAllBytes(input));
      }
    } catch (IllegalArgumentException | IOException e) {
      System.err.println("image-to-file: " + e.getMessage() + "\n" + USAGE);
      return 2;
    }
    String key = own.getOrDefault("--key", env.get("GENBUS_API_KEY"));
    Path out = Path.of(own.get("--out"));
    ClusterNode node;
    try {
      node = await(ClusterNode.start(nodeArgs.cluster()), 120);
    } catch (Exception e) {
      System.err.println("image-to-file: cannot join the cluster: " + e.getMessage());
      return 1;
    }
    try {
      GenbusResult result = await(GenbusClient.create(node.vertx(), key).generate(request), JOB_PATIENCE_SECONDS);
      if (result.images().isEmpty()) {
        System.err.println("image-to-file: job " + result.jobId() + " made no image: " + result.text());
        return 1;
      }
      GenbusResult.Image image = result.images().get(0);
      Files.write(out, image.data());
      System.out.println("wrote " + out + " (" + image.mimeType() + ", " + image.data().length + " bytes, job "
          + result.jobId() + ")");
      return 0;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof GenbusException g) {
        System.err.println("image-to-file: " + g.code() + " (" + g.status() + "): " + g.getMessage());
      } else {
        System.err.println("image-to-file: " + e.getCause());
      }
      return 1;
    } catch (Exception e) {
      System.err.println("image-to-file: " + e);
      return 1;
    } finally {
      try {
        await(node.close(), 60);
      } catch (Exception e) {
        System.err.println("image-to-file: did not leave the cluster cleanly: " + e.getMessage());
      }
    }
  }

  private static <T> T await(Future<T> future, long seconds) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
  }
}
