package io.genbus.api.admin;

import io.genbus.api.auth.Caller;
import io.genbus.api.errors.ApiException;
import io.genbus.api.tenants.StoredKey;
import io.genbus.api.tenants.StoredTenant;
import io.genbus.api.tenants.Tenant;
import io.genbus.api.tenants.TenantRegistry;
import io.genbus.api.tenants.TenantStore;
import io.genbus.api.tenants.TenantSync;
import io.genbus.protocol.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The admin API, for admin keys only ({@code api.adminKeys}; 403 otherwise): tenants and their keys at
 * runtime, stored in PostgreSQL (501 without {@code db.url}). Config-file tenants are listed, read-only (409
 * on a change). Each change is in force on this node when the answer is sent, and on every other API node
 * within a second ({@link TenantSync#changed}). A key is shown once, when it is made; later only its id.
 *
 * <pre>
 * GET    /v1/admin/tenants                  POST /v1/admin/tenants {name, rpm?, max_concurrent_jobs?, images_per_day?, priority?, models?}
 * GET    /v1/admin/tenants/{name}           PATCH /v1/admin/tenants/{name} {any of those but name; null = no limit}
 * DELETE /v1/admin/tenants/{name}           (its keys go with it)
 * GET    /v1/admin/tenants/{name}/keys      POST /v1/admin/tenants/{name}/keys → {id, key, created_at}
 * DELETE /v1/admin/tenants/{name}/keys/{id} (revokes it)
 * </pre>
 */
public final class AdminHandler {

  static final long MAX_BODY_BYTES = 64 * 1024;
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  private static final int MAX_MODELS = 100;

  private final TenantRegistry registry;
  private final TenantStore store;
  private final TenantSync sync;

  /** {@code store} and {@code sync} are null without a database. */
  public AdminHandler(TenantRegistry registry, TenantStore store, TenantSync sync) {
    this.registry = registry;
    this.store = store;
    this.sync = sync;
  }

  public void routes(Router router) {
    router.route("/v1/admin/*").handler(this::adminOnly);
    router.route("/v1/admin/*").handler(BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES));
    router.get("/v1/admin/tenants").handler(this::list);
    router.post("/v1/admin/tenants").handler(this::create);
    router.get("/v1/admin/tenants/:name").handler(this::get);
    router.patch("/v1/admin/tenants/:name").handler(this::update);
    router.delete("/v1/admin/tenants/:name").handler(this::delete);
    router.get("/v1/admin/tenants/:name/keys").handler(this::keys);
    router.post("/v1/admin/tenants/:name/keys").handler(this::createKey);
    router.delete("/v1/admin/tenants/:name/keys/:id").handler(this::revokeKey);
  }

  private void adminOnly(RoutingContext ctx) {
    if (!Caller.of(ctx).admin()) {
      ctx.fail(new ApiException(ErrorCode.PERMISSION_DENIED, null, "the admin API needs an admin key (api.adminKeys)"));
    } else {
      ctx.next();
    }
  }

  private void list(RoutingContext ctx) {
    Future<List<StoredTenant>> stored = store == null ? Future.succeededFuture(List.of()) : store.list();
    stored.onSuccess(runtime -> {
      JsonArray data = new JsonArray();
      registry.all().stream().filter(Tenant::fromConfig).filter(t -> !t.name().equals(TenantRegistry.ADMIN))
          .sorted((a, b) -> a.name().compareTo(b.name()))
          .forEach(t -> data.add(json(t.name(), t.rpm(), t.maxConcurrentJobs(), t.imagesPerDay(), t.priority(),
              t.models(), true)));
      runtime.stream().filter(t -> !registry.configured(t.name())).forEach(t -> data.add(json(t)));
      json(ctx, 200, new JsonObject().put("object", "list").put("data", data));
    }).onFailure(ctx::fail);
  }

  private void get(RoutingContext ctx) {
    String name = ctx.pathParam("name");
    if (registry.configured(name)) {
      Tenant t = registry.tenant(name);
      json(ctx, 200, json(t.name(), t.rpm(), t.maxConcurrentJobs(), t.imagesPerDay(), t.priority(), t.models(), true));
      return;
    }
    if (store == null) {
      ctx.fail(noDatabase());
      return;
    }
    store.get(name).compose(found -> found == null ? notFound(name) : Future.succeededFuture(found))
        .onSuccess(t -> json(ctx, 200, json(t))).onFailure(ctx::fail);
  }

  private void create(RoutingContext ctx) {
    StoredTenant tenant;
    try {
      requireStore();
      JsonObject body = body(ctx);
      String name = body.getValue("name") instanceof String s ? s : null;
      if (name == null || !NAME.matcher(name).matches()) {
        throw new ApiException(ErrorCode.INVALID_VALUE, "name", "name",
            "letters, digits, '.', '_' or '-', at most 64 characters");
      }
      if (registry.configured(name) || name.equals(TenantRegistry.ADMIN)) {
        throw new ApiException(ErrorCode.TENANT_CONFLICT, "name", "tenant " + name + " is defined in the config file");
      }
      tenant = merge(new StoredTenant(name, null, null, null, 1, List.of("*")), body);
    } catch (ApiException e) {
      ctx.fail(e);
      return;
    }
    store.create(tenant)
        .recover(err -> Future.failedFuture(err instanceof TenantStore.TenantExists
            ? new ApiException(ErrorCode.TENANT_CONFLICT, "name", "tenant " + tenant.name() + " exists") : err))
        .compose(created -> sync.changed().map(created))
        .onSuccess(created -> json(ctx, 201, json(created)))
        .onFailure(ctx::fail);
  }

  private void update(RoutingContext ctx) {
    String name = ctx.pathParam("name");
    JsonObject body;
    try {
      readOnly(name);
      requireStore();
      body = body(ctx);
      if (body.containsKey("name") && !name.equals(body.getValue("name"))) {
        throw new ApiException(ErrorCode.INVALID_VALUE, "name", "name", "a tenant cannot be renamed");
      }
    } catch (ApiException e) {
      ctx.fail(e);
      return;
    }
    store.get(name)
        .compose(found -> found == null ? notFound(name) : Future.succeededFuture(merge(found, body)))
        .compose(store::update)
        .compose(updated -> updated == null ? notFound(name) : sync.changed().map(updated))
        .onSuccess(updated -> json(ctx, 200, json(updated)))
        .onFailure(ctx::fail);
  }

  private void delete(RoutingContext ctx) {
    String name = ctx.pathParam("name");
    writable(name)
        .compose(v -> store.delete(name))
        .compose(deleted -> deleted ? sync.changed() : notFound(name))
        .onSuccess(v -> json(ctx, 200, new JsonObject().put("name", name).put("object", "tenant").put("deleted", true)))
        .onFailure(ctx::fail);
  }

  private void keys(RoutingContext ctx) {
    String name = ctx.pathParam("name");
    if (registry.configured(name) || store == null) {
      ctx.fail(registry.configured(name) ? readOnlyKeys(name) : noDatabase());
      return;
    }
    store.get(name)
        .compose(found -> found == null ? notFound(name) : store.keys(name))
        .onSuccess(keys -> {
          JsonArray data = new JsonArray();
          keys.forEach(k -> data.add(json(k)));
          json(ctx, 200, new JsonObject().put("object", "list").put("data", data));
        })
        .onFailure(ctx::fail);
  }

  private void createKey(RoutingContext ctx) {
    String name = ctx.pathParam("name");
    writable(name)
        .compose(v -> store.createKey(name))
        .compose(created -> created == null ? notFound(name) : sync.changed().map(created))
        .onSuccess(created -> json(ctx, 201, json(created.stored()).put("key", created.key())))
        .onFailure(ctx::fail);
  }

  private void revokeKey(RoutingContext ctx) {
    String name = ctx.pathParam("name");
    String id = ctx.pathParam("id");
    writable(name)
        .compose(v -> store.revokeKey(name, id))
        .compose(revoked -> revoked == null
            ? Future.<StoredKey>failedFuture(new ApiException(ErrorCode.INVALID_VALUE, "id", "id", "no key " + id + " of " + name))
            : sync.changed().map(revoked))
        .onSuccess(revoked -> json(ctx, 200, json(revoked)))
        .onFailure(ctx::fail);
  }

  /** Succeeds for a runtime tenant on a node with a database; else the refusal to answer. */
  private Future<Void> writable(String name) {
    try {
      readOnly(name);
      requireStore();
      return Future.succeededFuture();
    } catch (ApiException e) {
      return Future.failedFuture(e);
    }
  }

  private void requireStore() {
    if (store == null) {
      throw noDatabase();
    }
  }

  private static ApiException readOnlyKeys(String name) {
    return new ApiException(ErrorCode.TENANT_CONFLICT, null,
        "tenant " + name + " is defined in the config file: its keys are there");
  }

  private void readOnly(String name) {
    if (registry.configured(name)) {
      throw new ApiException(ErrorCode.TENANT_CONFLICT, null,
          "tenant " + name + " is defined in the config file: change it there");
    }
  }

  /** {@code base} with the fields {@code body} names; null for a limit means none. */
  static StoredTenant merge(StoredTenant base, JsonObject body) {
    Integer rpm = body.containsKey("rpm") ? limit(body, "rpm") : base.rpm();
    Integer jobs = body.containsKey("max_concurrent_jobs") ? limit(body, "max_concurrent_jobs") : base.maxConcurrentJobs();
    Integer images = body.containsKey("images_per_day") ? limit(body, "images_per_day") : base.imagesPerDay();
    int priority = base.priority();
    if (body.containsKey("priority")) {
      Integer p = limit(body, "priority");
      if (p == null || p > 100) {
        throw new ApiException(ErrorCode.INVALID_VALUE, "priority", "priority", "an integer from 1 to 100");
      }
      priority = p;
    }
    List<String> models = base.models();
    if (body.containsKey("models")) {
      if (!(body.getValue("models") instanceof JsonArray array) || array.isEmpty() || array.size() > MAX_MODELS
          || !array.stream().allMatch(m -> m instanceof String s && !s.isBlank() && s.length() <= 200)) {
        throw new ApiException(ErrorCode.INVALID_VALUE, "models", "models",
            "a list of 1 to " + MAX_MODELS + " model names, * as a wildcard");
      }
      List<String> names = new ArrayList<>();
      array.forEach(m -> names.add((String) m));
      models = names;
    }
    for (String field : body.fieldNames()) {
      if (!List.of("name", "rpm", "max_concurrent_jobs", "images_per_day", "priority", "models").contains(field)) {
        throw new ApiException(ErrorCode.INVALID_VALUE, field, field, "not a field of a tenant");
      }
    }
    return new StoredTenant(base.name(), rpm, jobs, images, priority, models);
  }

  private static Integer limit(JsonObject body, String field) {
    Object value = body.getValue(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof Integer i) || i < 1) {
      throw new ApiException(ErrorCode.INVALID_VALUE, field, field, "a positive integer, or null for no limit");
    }
    return i;
  }

  private static JsonObject body(RoutingContext ctx) {
    try {
      JsonObject body = ctx.body().asJsonObject();
      if (body == null) {
        throw new ApiException(ErrorCode.INVALID_JSON, null, "expected a JSON object");
      }
      return body;
    } catch (DecodeException | ClassCastException e) {
      throw new ApiException(ErrorCode.INVALID_JSON, null, "expected a JSON object");
    }
  }

  private static <T> Future<T> notFound(String name) {
    return Future.failedFuture(new ApiException(ErrorCode.TENANT_NOT_FOUND, null, name));
  }

  private static ApiException noDatabase() {
    return new ApiException(ErrorCode.NOT_CONFIGURED, null,
        "runtime tenants are kept in PostgreSQL: set db.url (or GENBUS_DB_URL) on the API nodes");
  }

  private static JsonObject json(StoredTenant t) {
    return json(t.name(), t.rpm(), t.maxConcurrentJobs(), t.imagesPerDay(), t.priority(), t.models(), false);
  }

  private static JsonObject json(String name, Integer rpm, Integer jobs, Integer images, int priority,
                                 List<String> models, boolean fromConfig) {
    return new JsonObject().put("object", "tenant").put("name", name).put("rpm", rpm)
        .put("max_concurrent_jobs", jobs).put("images_per_day", images).put("priority", priority)
        .put("models", new JsonArray(models == null ? List.of("*") : models)).put("read_only", fromConfig);
  }

  private static JsonObject json(StoredKey k) {
    return new JsonObject().put("object", "tenant.key").put("id", k.keyId()).put("tenant", k.tenant())
        .put("created_at", k.createdAt().getEpochSecond())
        .put("revoked_at", k.revokedAt() == null ? null : k.revokedAt().getEpochSecond());
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }
}
