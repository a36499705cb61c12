package io.genbus.api.observability;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.ThreadLocalRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives every request an id: the client's {@code x-request-id} when it is a sane token, a random one
 * otherwise; sent back in {@code x-request-id}. Chat requests get one log line when they end, with the
 * request id, the job id, the status and the time taken.
 */
public final class RequestIds implements Handler<RoutingContext> {

  public static final String REQUEST_ID = "requestId";
  public static final String JOB_ID = "jobId";
  private static final Pattern SANE = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
  private static final Logger LOG = LoggerFactory.getLogger("genbus.requests");

  @Override
  public void handle(RoutingContext ctx) {
    String given = ctx.request().getHeader("x-request-id");
    String id = given != null && SANE.matcher(given).matches() ? given : newId();
    ctx.put(REQUEST_ID, id);
    ctx.response().putHeader("x-request-id", id);
    if (ctx.request().path().startsWith("/v1/chat/")) {
      long start = System.nanoTime();
      ctx.addEndHandler(ar -> LOG.info("request {} {} {} -> {} in {} ms{}", id, ctx.request().method(),
          ctx.request().path(), ctx.response().getStatusCode(), (System.nanoTime() - start) / 1_000_000,
          ctx.get(JOB_ID) == null ? "" : " (job " + ctx.get(JOB_ID) + ")"));
    }
    ctx.next();
  }

  /** For tracing, not for secrets: a fast random source will do. */
  private static String newId() {
    return "req-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
  }
}
