package io.genbus.api;

import io.genbus.testing.Eventually;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A plain HTTP/1.1 client (the JDK's) for the tests: what curl would see. */
final class Http {

  private static final HttpClient CLIENT = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5))
      .build();

  record Response(int status, HttpHeaders headers, String body) {
    JsonObject json() {
      return new JsonObject(body);
    }

    JsonObject error() {
      return json().getJsonObject("error");
    }

    String header(String name) {
      return headers.firstValue(name).orElse(null);
    }
  }

  /** One line of an SSE stream and when it arrived (ms since the request was sent). */
  record Line(long atMs, String text) {
  }

  record Stream(Response head, List<Line> lines) {
    List<String> texts() {
      return lines.stream().map(Line::text).filter(t -> !t.isEmpty()).toList();
    }
  }

  /**
   * An SSE answer read as it comes: a reader thread hands over each line as it arrives, so a test can wait
   * for the frame it expects (and act on it) instead of for a time. Closing it drops the connection.
   */
  static final class LiveStream implements AutoCloseable {
    private static final Line END = new Line(-1, null);
    private final Response head;
    private final InputStream body;
    private final BlockingQueue<Line> arriving = new LinkedBlockingQueue<>();
    private final List<Line> read = new ArrayList<>();
    private boolean ended;

    private LiveStream(Response head, InputStream body, long sentAtNanos) {
      this.head = head;
      this.body = body;
      Thread reader = new Thread(() -> {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
          String line;
          while ((line = lines.readLine()) != null) {
            arriving.add(new Line((System.nanoTime() - sentAtNanos) / 1_000_000, line));
          }
        } catch (IOException e) {
          // closed by the test or the server: the end of the stream either way
        } finally {
          arriving.add(END);
        }
      }, "sse-reader");
      reader.setDaemon(true);
      reader.start();
    }

    Response head() {
      return head;
    }

    /** The next non-empty line, once it has arrived; null at the end of the stream. */
    Line next() {
      while (!ended) {
        Line line;
        try {
          line = arriving.poll(Eventually.PATIENCE.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError(e);
        }
        if (line == null) {
          throw new AssertionError("no line within " + Eventually.PATIENCE.toSeconds() + " s after " + texts());
        }
        if (line == END) {
          ended = true;
        } else {
          read.add(line);
          if (!line.text().isEmpty()) {
            return line;
          }
        }
      }
      return null;
    }

    /** Reads to the end: the whole stream, from its first line. */
    Stream rest() {
      while (next() != null) {
        // reading on
      }
      return new Stream(head, List.copyOf(read));
    }

    private List<String> texts() {
      return new Stream(head, List.copyOf(read)).texts();
    }

    @Override
    public void close() {
      try {
        body.close();
      } catch (IOException e) {
        // already gone
      }
    }
  }

  private Http() {
  }

  static Response get(int port, String path, String... headers) {
    return send(builder(port, path, headers).GET().build());
  }

  static Response delete(int port, String path, String... headers) {
    return send(builder(port, path, headers).DELETE().build());
  }

  /** GETs an SSE endpoint and returns it once its headers came, to be read as it arrives. */
  static LiveStream openGet(int port, String path, String... headers) {
    return open(builder(port, path, headers).GET().build());
  }

  /** GETs an SSE endpoint and reads it to its end, line by line. */
  static Stream events(int port, String path, String... headers) {
    try (LiveStream stream = open(builder(port, path, headers).GET().build())) {
      return stream.rest();
    }
  }

  static Response post(int port, String path, String body, String... headers) {
    return send(builder(port, path, headers).POST(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  /** Any method with a body, e.g. PATCH. */
  static Response send(int port, String method, String path, String body, String... headers) {
    return send(builder(port, path, headers).method(method, HttpRequest.BodyPublishers.ofString(body)).build());
  }

  /** Posts {@code body} as {@code contentType} (a multipart form, say). */
  static Response post(int port, String path, String contentType, byte[] body, String... headers) {
    return send(builder(port, path, headers).setHeader("Content-Type", contentType)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
  }

  /**
   * Sends a JSON POST on a raw connection and leaves it open without reading: the test closes the socket to
   * cut the request, as a proxy or a lost network would.
   */
  static Socket sendRaw(int port, String path, String body, String... headers) throws IOException {
    Socket socket = new Socket("127.0.0.1", port);
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    StringBuilder head = new StringBuilder("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    for (int i = 0; i + 1 < headers.length; i += 2) {
      head.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
    }
    head.append("Content-Type: application/json\r\nContent-Length: ").append(bytes.length).append("\r\n\r\n");
    OutputStream out = socket.getOutputStream();
    out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
    out.write(bytes);
    out.flush();
    return socket;
  }

  /** GETs {@code path} and keeps the body as bytes (an image). */
  static byte[] bytes(int port, String path) {
    try {
      HttpResponse<byte[]> response = CLIENT.send(builder(port, path).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
      if (response.statusCode() != 200) {
        throw new AssertionError(path + " answered " + response.statusCode());
      }
      return response.body();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static Response chat(int port, String body, String... headers) {
    return post(port, "/v1/chat/completions", body, headers);
  }

  /** Posts and reads the whole SSE answer line by line, noting when each line arrived. */
  static Stream stream(int port, String body, String... headers) {
    return streamAt(port, "/v1/chat/completions", body, headers);
  }

  /** Posts to {@code path} and reads the whole SSE answer line by line. */
  static Stream streamAt(int port, String path, String body, String... headers) {
    try (LiveStream stream = openAt(port, path, body, headers)) {
      return stream.rest();
    }
  }

  /** Posts and returns the SSE answer once its headers came, to be read as it arrives. */
  static LiveStream open(int port, String body, String... headers) {
    return openAt(port, "/v1/chat/completions", body, headers);
  }

  /** Posts to {@code path} and returns the SSE answer once its headers came. */
  static LiveStream openAt(int port, String path, String body, String... headers) {
    return open(builder(port, path, headers).POST(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  private static LiveStream open(HttpRequest request) {
    long sentAt = System.nanoTime();
    try {
      HttpResponse<InputStream> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofInputStream());
      return new LiveStream(new Response(response.statusCode(), response.headers(), null), response.body(), sentAt);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static String chatBody(String model, String prompt, boolean stream) {
    return new JsonObject()
        .put("model", model)
        .put("stream", stream)
        .put("messages", new JsonArray()
            .add(new JsonObject().put("role", "user").put("content", prompt)))
        .encode();
  }

  private static HttpRequest.Builder builder(int port, String path, String... headers) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Eventually.PATIENCE) // a hang, not a slow answer
        .header("Content-Type", "application/json");
    for (int i = 0; i + 1 < headers.length; i += 2) {
      builder.header(headers[i], headers[i + 1]);
    }
    return builder;
  }

  private static Response send(HttpRequest request) {
    try {
      HttpResponse<String> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
      return new Response(response.statusCode(), response.headers(), response.body());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
