package io.genbus.api;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

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

  record Stream(Response head, List<Line> lines, long startedAtMs) {
    List<String> texts() {
      return lines.stream().map(Line::text).filter(t -> !t.isEmpty()).toList();
    }
  }

  private Http() {
  }

  static Response get(int port, String path, String... headers) {
    return send(builder(port, path, headers).GET().build());
  }

  static Response post(int port, String path, String body, String... headers) {
    return send(builder(port, path, headers).POST(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  static Response chat(int port, String body, String... headers) {
    return post(port, "/v1/chat/completions", body, headers);
  }

  /** Posts and reads the whole SSE answer line by line, noting when each line arrived. */
  static Stream stream(int port, String body, String... headers) {
    HttpRequest request = builder(port, "/v1/chat/completions", headers)
        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    long start = System.nanoTime();
    long wallStart = System.currentTimeMillis();
    try {
      HttpResponse<InputStream> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofInputStream());
      List<Line> lines = new ArrayList<>();
      try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = reader.readLine()) != null) {
          lines.add(new Line((System.nanoTime() - start) / 1_000_000, line));
        }
      }
      return new Stream(new Response(response.statusCode(), response.headers(), null), lines, wallStart);
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
        .put("messages", new io.vertx.core.json.JsonArray()
            .add(new JsonObject().put("role", "user").put("content", prompt)))
        .encode();
  }

  private static HttpRequest.Builder builder(int port, String path, String... headers) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(30))
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
