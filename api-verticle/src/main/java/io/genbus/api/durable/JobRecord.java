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
 *
 * <p>An Images API job of {@code n} images is one record of {@code n} <em>parts</em>: each part is one job on
 * the bus (its own id, seed = its index; part 0's id is the record's), with its own state, worker and attempts,
 * so that an adopter resumes each part where it stood. The record is done when every part is, failed when one
 * fails for good.
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

  /**
   * One stored event: a piece of text, an image (by its name in the image store), or the end. An images job's
   * image names its part, and carries as {@code text} what the backend said about it (its revised prompt).
   */
  public record Event(int seq, String type, String text, String image, String mimeType, Integer part) {
    static Event of(JsonObject json) {
      return new Event(json.getInteger("seq"), json.getString("type"), json.getString("text"),
          json.getString("image"), json.getString("mime_type"), json.getInteger("part"));
    }

    public boolean end() {
      return type.equals("end");
    }
  }

  /** One part of an images job: one image's job on the bus. */
  public record Part(int index, String id, Status status, String worker, String controlAddress, int attempts,
                     int workerEvents) {
    static Part of(int index, JsonObject json) {
      return new Part(index, json.getString("id"), Status.of(json.getString("status")), json.getString("worker"),
          json.getString("control"), json.getInteger("attempts"), json.getInteger("worker_events"));
    }
  }

  public static final String CHAT = "chat.completion";
  public static final String IMAGE_GENERATION = "image_generation";
  public static final String IMAGE_EDIT = "image_edit";

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

  /**
   * Makes this new record an images job's: its parts (one job id each) and what its answer is built with
   * ({@code response_format}, and the image parameters the Images API echoes).
   */
  public JobRecord withParts(List<String> partIds, JsonObject answer) {
    JsonArray parts = new JsonArray();
    partIds.forEach(id -> parts.add(new JsonObject().put("id", id).put("status", Status.QUEUED.wire())
        .put("attempts", 0).put("worker_events", 0).put("text", "").put("images", 0)));
    json.put("parts", parts).put("answer", answer);
    return this;
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

  /** Whether this is an images job, of parts. */
  public boolean hasParts() {
    return json.containsKey("parts");
  }

  public List<Part> parts() {
    List<Part> parts = new ArrayList<>();
    JsonArray array = json.getJsonArray("parts");
    for (int i = 0; array != null && i < array.size(); i++) {
      parts.add(Part.of(i, array.getJsonObject(i)));
    }
    return parts;
  }

  /** The jobs on the bus this record stands for: its parts', or its own id. */
  public List<String> jobIds() {
    return hasParts() ? parts().stream().map(Part::id).toList() : List.of(id());
  }

  /** Images stored for part {@code index}. */
  public int partImages(int index) {
    return part(index).getInteger("images");
  }

  /** An images job's answer parameters: {@code response_format}, {@code size}, {@code quality}, … */
  public JsonObject answer() {
    return json.getJsonObject("answer");
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

  void partRunning(int index, String workerId, String controlAddress, long now) {
    JsonObject part = part(index);
    int attempts = part.getInteger("attempts") + 1;
    part.put("status", Status.RUNNING.wire()).put("worker", workerId).put("control", controlAddress)
        .put("attempts", attempts).put("worker_events", 0).put("text", "");
    json.put("status", Status.RUNNING.wire()).put("attempts", Math.max(attempts, json.getInteger("attempts")));
    if (!json.containsKey("started_at_ms")) {
      json.put("started_at_ms", now);
    }
  }

  /** Text of part {@code index}: kept with the part, and given to its next image as its revised prompt. */
  void partText(int index, String text) {
    JsonObject part = part(index);
    part.put("text", part.getString("text") + text).put("worker_events", part.getInteger("worker_events") + 1);
  }

  void partImage(int index, String name, String mimeType) {
    JsonObject part = part(index);
    String text = part.getString("text").strip();
    addEvent(new JsonObject().put("type", "image").put("part", index).put("image", name).put("mime_type", mimeType)
        .put("text", text.isEmpty() ? null : text));
    part.put("worker_events", part.getInteger("worker_events") + 1).put("images", part.getInteger("images") + 1);
  }

  void partDone(int index) {
    part(index).put("status", Status.SUCCEEDED.wire());
  }

  private JsonObject part(int index) {
    return json.getJsonArray("parts").getJsonObject(index);
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
    if (hasParts()) {
      List<Part> parts = parts();
      api.put("image_counts", new JsonObject().put("total", parts.size())
          .put("completed", parts.stream().filter(p -> p.status() == Status.SUCCEEDED).count()));
    }
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
