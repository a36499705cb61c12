package io.genbus.api.bus;

import io.genbus.api.auth.Caller;
import io.genbus.api.auth.KeyAuth;
import io.genbus.api.durable.JobStore;
import io.genbus.api.errors.ApiException;
import io.genbus.protocol.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.bridge.BridgeEventType;
import io.vertx.ext.bridge.PermittedOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.sockjs.BridgeEvent;
import io.vertx.ext.web.handler.sockjs.SockJSBridgeOptions;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * vertx-web's SockJS event-bus bridge for browsers ({@code api.eventBusBridge}, at {@code /eventbus}): a page
 * may send requests to the submit and events addresses (the API key goes in the message's headers and is
 * checked there, as for any application), and subscribe to the change notices of its own jobs only — a
 * subscription names the key in its headers, and is refused unless the job's record has that key as its
 * caller; and, with a valid key, to the workers' load publications, which the status page follows for live
 * updates. Everything else is denied: no other address in or out, no publish.
 */
public final class BrowserBridge {

  static final Pattern JOB_ADDRESS = Pattern.compile("genbus\\.job\\.([0-9a-f]{24})\\.changed");

  private final KeyAuth auth;
  private final JobStore store;

  public BrowserBridge(KeyAuth auth, JobStore store) {
    this.auth = auth;
    this.store = store;
  }

  /** The bridge, to mount at {@code /eventbus/*}. */
  public Router router(Vertx vertx) {
    return SockJSHandler.create(vertx).bridge(options(), this::handle);
  }

  static SockJSBridgeOptions options() {
    return new SockJSBridgeOptions()
        .addInboundPermitted(new PermittedOptions().setAddress(Addresses.JOBS_SUBMIT))
        .addInboundPermitted(new PermittedOptions().setAddress(Addresses.JOBS_EVENTS))
        .addOutboundPermitted(new PermittedOptions().setAddressRegex(JOB_ADDRESS.pattern()))
        .addOutboundPermitted(new PermittedOptions().setAddress(Addresses.WORKERS_LOAD));
  }

  void handle(BridgeEvent event) {
    if (event.type() == BridgeEventType.PUBLISH) {
      event.complete(false); // the two addresses take requests
    } else if (event.type() == BridgeEventType.REGISTER) {
      owns(event.getRawMessage()).onComplete(ar -> event.complete(ar.succeeded() && ar.result()));
    } else {
      event.complete(true); // sends are checked by the permissions and by the key in their headers
    }
  }

  /**
   * A subscription to a job's notices is the job's caller's only; the workers' load publications (what the
   * status page follows: the same facts as {@code /v1/status}) any valid key's; any other address the
   * permissions refuse.
   */
  private Future<Boolean> owns(JsonObject register) {
    String address = String.valueOf(register.getValue("address"));
    Matcher job = JOB_ADDRESS.matcher(address);
    boolean ofJob = job.matches();
    if (!ofJob && !address.equals(Addresses.WORKERS_LOAD)) {
      return Future.succeededFuture(true);
    }
    Caller caller;
    try {
      JsonObject headers = register.getValue("headers") instanceof JsonObject h ? h : new JsonObject();
      caller = auth.caller(headers.getValue(Addresses.API_KEY_HEADER) instanceof String key ? key : null);
    } catch (ApiException e) {
      return Future.succeededFuture(false);
    }
    return !ofJob ? Future.succeededFuture(true)
        : store.record(job.group(1)).map(record -> record != null && record.caller().equals(caller.keyId()));
  }
}
