package io.genbus.api.durable;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * A durable job's record in the cluster ({@code genbus.jobs}), as JSON. Only the job's owner writes it, through
 * its {@link JobRecorder}; any API node reads it. Its events are numbered from 1 (the SSE {@code id:} of
 * {@code GET /v1/jobs/{id}/events}); images are held by reference to the image store.
 */
public final class JobRecord {

  public enum Status {
    QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED;

    public String wire() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    public boolean terminal() {
      return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }

    static Status of(String wire) {
      return valueOf(wire.toUpperCase(java.util.Locale.ROOT));
    }
  }

  /** One stored event: a piece of text, an image (by its name in the image store), or the end. */
  public record Event(int seq, String type, String text, String image, String mimeType) {
    static Event of(JsonObject json) {
      return new Event(json.getInteger("seq"), json.getString("type"), json.getString("text"),
          json.getString("image"), json.getString("mime_type"));
    }

    public boolean end() {
      return type.equals("end");
    }
  }

  public static final String CHAT = "chat.completion";

  private final JsonObject json;

  JobRecord(JsonObject json) {
    this.json = json;
  }

  JobRecord(Buffer buffer) {
    this(new JsonObject(buffer));
  }

  /** A new record: queued, owned by {@code ownerNode}. */
  public static JobRecord create(String id, String kind, String endpoint, String caller, String model,
                                 String ownerNode, long createdAt, String webhookUrl, String bodyHash) {
    JsonObject json = new JsonObject()
        .put("id", id)
        .put("kind", kind)
        .put("endpoint", endpoint)
        .put("caller", caller)
        .put("model", model)
        .put("status", Status.QUEUED.wire())
        .put("created_at_ms", createdAt)
        .put("owner_node", ownerNode)
        .put("attempts", 0)
        .put("worker_events", 0)
        .put("events", new JsonArray())
        .put("body_hash", bodyHash);
    if (webhookUrl != null) {
      json.put("webhook", new JsonObject().put("url", webhookUrl).put("delivered", false).put("attempts", new JsonArray()));
    }
    return new JobRecord(json);
  }

  JsonObject json() {
    return json;
  }

  public JobRecord copy() {
    return new JobRecord(json.copy());
  }

  public String id() {
    return json.getString("id");
  }

  public String kind() {
    return json.getString("kind");
  }

  public String caller() {
    return json.getString("caller");
  }

  public String model() {
    return json.getString("model");
  }

  public Status status() {
    return Status.of(json.getString("status"));
  }

  public long createdAt() {
    return json.getLong("created_at_ms");
  }

  public String ownerNode() {
    return json.getString("owner_node");
  }

  public String worker() {
    return json.getString("worker");
  }

  public String controlAddress() {
    return json.getString("control");
  }

  /** Content events the current attempt's worker sent and this record holds (its numbers, 1…n). */
  public int workerEvents() {
    return json.getInteger("worker_events");
  }

  public JsonObject error() {
    return json.getJsonObject("error");
  }

  public JsonObject webhook() {
    return json.getJsonObject("webhook");
  }

  public boolean webhookPending() {
    return webhook() != null && !webhook().getBoolean("delivered") && !webhook().getBoolean("given_up", false);
  }

  public List<Event> events() {
    List<Event> events = new ArrayList<>();
    json.getJsonArray("events").forEach(e -> events.add(Event.of((JsonObject) e)));
    return events;
  }

  public int lastSeq() {
    return json.getJsonArray("events").size();
  }

  // transitions, made by the owner's JobRecorder only

  void ownedBy(String nodeId) {
    json.put("owner_node", nodeId);
  }

  void running(String workerId, String controlAddress, long now) {
    json.put("status", Status.RUNNING.wire())
        .put("worker", workerId)
        .put("control", controlAddress)
        .put("attempts", json.getInteger("attempts") + 1)
        .put("worker_events", 0);
    if (!json.containsKey("started_at_ms")) {
      json.put("started_at_ms", now);
    }
  }

  void text(String text) {
    addEvent(new JsonObject().put("type", "text").put("text", text));
    json.put("worker_events", workerEvents() + 1);
  }

  void image(String name, String mimeType) {
    addEvent(new JsonObject().put("type", "image").put("image", name).put("mime_type", mimeType));
    json.put("worker_events", workerEvents() + 1);
  }

  void ended(Status status, JsonObject error, long now) {
    json.put("status", status.wire()).put("completed_at_ms", now);
    if (error != null) {
      json.put("error", error);
    }
    addEvent(new JsonObject().put("type", "end"));
  }

  void webhookAttempt(long at, Integer status, String error, boolean delivered) {
    JsonObject webhook = webhook();
    webhook.getJsonArray("attempts").add(new JsonObject().put("at", at / 1000).put("status", status).put("error", error));
    webhook.put("delivered", delivered);
  }

  void webhookGivenUp() {
    webhook().put("given_up", true);
  }

  private void addEvent(JsonObject event) {
    JsonArray events = json.getJsonArray("events");
    events.add(event.put("seq", events.size() + 1));
  }

  /** The job object of the API ({@code "object": "genbus.job"}), with {@code result} when given. */
  public JsonObject toApi(JsonObject result) {
    JsonObject api = new JsonObject()
        .put("id", id())
        .put("object", "genbus.job")
        .put("kind", kind())
        .put("endpoint", json.getString("endpoint"))
        .put("model", model())
        .put("status", json.getString("status"))
        .put("created_at", createdAt() / 1000)
        .put("started_at", seconds("started_at_ms"))
        .put("completed_at", seconds("completed_at_ms"))
        .put("attempts", json.getInteger("attempts"))
        .put("error", error());
    if (result != null) {
      api.put("result", result);
    }
    if (webhook() != null) {
      api.put("webhook", new JsonObject()
          .put("url", webhook().getString("url"))
          .put("delivered", webhook().getBoolean("delivered"))
          .put("attempts", webhook().getJsonArray("attempts").copy()));
    }
    return api;
  }

  private Long seconds(String field) {
    Long ms = json.getLong(field);
    return ms == null ? null : ms / 1000;
  }
}
